"""Distributed Maps over files, from the test kit (``s3=``) and the command line (``--s3-root``)."""

from __future__ import annotations

import json
import subprocess
import sys

from flowdsl.testing import run

DEFINITION = {
    "StartAt": "Rows",
    "States": {
        "Rows": {
            "Type": "Map",
            "ItemReader": {
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                "Parameters": {"Bucket.$": "$.BucketName", "Key.$": "$.FileKey"},
            },
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Echo",
                "States": {"Echo": {"Type": "Pass", "Parameters": {"who.$": "$.name"}, "End": True}},
            },
            "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                             "Parameters": {"Bucket": "out", "Prefix": "runs"}},
            "End": True,
        }
    },
}
INPUT = {"BucketName": "in", "FileKey": "people.csv"}


def test_the_kit_sets_files_up_and_reads_what_the_writer_wrote():
    result = run(DEFINITION, INPUT, s3={"in/people.csv": "name,age\nada,36\nalan,41\n"})
    assert result.status == "SUCCEEDED", result.cause
    details = result.output["ResultWriterDetails"]
    assert details["Bucket"] == "out" and details["Key"].startswith("runs/")
    manifest = json.loads(result.s3.get("out", details["Key"]))
    [succeeded] = [f for f in manifest["ResultFiles"]["SUCCEEDED"]]
    rows = json.loads(result.s3.get("out", succeeded["Key"]))
    assert sorted(json.loads(r["Output"])["who"] for r in rows) == ["ada", "alan"]


def test_without_s3_the_map_says_where_its_items_come_from():
    result = run(DEFINITION, INPUT)
    assert result.status == "FAILED"
    assert "reads its items from S3" in result.cause and "--s3-root" in result.cause


def test_flowdsl_run_with_an_s3_root(tmp_path):
    (tmp_path / "data" / "in").mkdir(parents=True)
    (tmp_path / "data" / "in" / "people.csv").write_text("name,age\nada,36\n")
    (tmp_path / "data" / "out").mkdir()
    (tmp_path / "sm.asl.json").write_text(json.dumps(DEFINITION))
    cmd = [sys.executable, "-m", "flowdsl", "run", str(tmp_path / "sm.asl.json"),
           "--input", json.dumps(INPUT), "--s3-root", str(tmp_path / "data")]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    written = sorted(p.name for p in (tmp_path / "data" / "out").rglob("*.json"))
    assert written == ["SUCCEEDED_0.json", "manifest.json"]


def test_flowdsl_run_refuses_an_s3_root_that_is_not_a_folder(tmp_path):
    (tmp_path / "sm.asl.json").write_text(json.dumps(DEFINITION))
    cmd = [sys.executable, "-m", "flowdsl", "run", str(tmp_path / "sm.asl.json"),
           "--input", json.dumps(INPUT), "--s3-root", str(tmp_path / "missing")]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip() == (f"error: --s3-root {tmp_path / 'missing'}: not a folder "
                                   "(it holds one folder per bucket)")
