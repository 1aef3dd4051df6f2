"""Where things are: the project root and the shared corpora beside it (read-only)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
