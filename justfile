# The verbs people type. Nothing here is required: each recipe is one plain command.

# Compile every workflow into build/
build:
    flowdsl build workflows/*.py

# Run the whole test suite (terraform, moto and asl-validator included)
test:
    python -m pytest

# Check style and the committed build output
lint:
    python -m ruff check flowdsl tests bench
    flowdsl build --check workflows/*.py

# Benchmarks; their figures are in README.md
bench:
    python bench/bench_compile.py
    python bench/bench_run.py
