"""A Distributed Map over real files: the local S3, every ItemReader, child executions, the
ItemBatcher, tolerated failures and the ResultWriter.

Expected items and outputs follow the examples of the Step Functions developer guide:
"ItemReader (Map)" (docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html),
"ItemBatcher (Map)" (.../input-output-itembatcher.html) and "ResultWriter (Map)"
(.../input-output-resultwriter.html).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from flowdsl.run import RunError, TaskBinder, execute
from flowdsl.run.config import RunConfig
from flowdsl.run.s3 import LocalS3, local_s3

GET = "arn:aws:states:::s3:getObject"


def machine(reader: dict[str, Any] | None = None, states: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    st: dict[str, Any] = {
        "Type": "Map",
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": next(iter(states)) if states else "Echo",
                          "States": states or {"Echo": {"Type": "Pass", "End": True}}},
        "End": True,
    }
    if reader is not None:
        st["ItemReader"] = reader
    st.update(extra)
    return {"StartAt": "Process", "States": {"Process": st}}


def binder(s3: LocalS3) -> TaskBinder:
    return RunConfig(s3=s3).binder()


def csv_reader(**config: Any) -> dict[str, Any]:
    return {"Resource": GET, "ReaderConfig": {"InputType": "CSV", **config},
            "Parameters": {"Bucket": "amzn-s3-demo-bucket", "Key": "csvDataset/ratings.csv"}}


# ------------------------------------------------------------------ the local S3

def test_local_s3_maps_urls_to_files_and_lists_by_key(tmp_path: Path) -> None:
    s3 = local_s3({"b/x/2.txt": "bb", "b/x/10.txt": "a", "b/y.txt": "c"}, tmp_path)
    assert (tmp_path / "b" / "x" / "10.txt").read_text() == "a"
    assert s3.get("b", "y.txt") == b"c"
    assert [o.key for o in s3.list("b", "x/")] == ["x/10.txt", "x/2.txt"]  # S3 lists lexicographically
    assert [o.key for o in s3.list("b")] == ["x/10.txt", "x/2.txt", "y.txt"]


# ------------------------------------------------------------------ readers

def test_csv_first_row_gives_objects_of_strings(tmp_path: Path) -> None:
    # "ItemReader (Map)": ratings.csv with a header row; every value is a string.
    s3 = local_s3({"amzn-s3-demo-bucket/csvDataset/ratings.csv":
                   "userId,movieId,rating,timestamp\n1,307,3.5,1256677221\n1,481,3.5,1256677456\n"}, tmp_path)
    r = execute(machine(csv_reader(CSVHeaderLocation="FIRST_ROW")), {}, tasks=binder(s3))
    assert r.status == "SUCCEEDED"
    assert r.output == [{"userId": "1", "movieId": "307", "rating": "3.5", "timestamp": "1256677221"},
                        {"userId": "1", "movieId": "481", "rating": "3.5", "timestamp": "1256677456"}]


def test_csv_given_headers_and_other_delimiters(tmp_path: Path) -> None:
    # "ItemReader (Map)": GIVEN with CSVHeaders ["userId","movieId","rating","timestamp"].
    s3 = local_s3({"amzn-s3-demo-bucket/csvDataset/ratings.csv": "1|307|3.5|1256677221\n1|1091|1.5|1256677471\n"},
                  tmp_path)
    reader = csv_reader(CSVHeaderLocation="GIVEN", CSVHeaders=["userId", "movieId", "rating", "timestamp"],
                        CSVDelimiter="PIPE")
    r = execute(machine(reader), {}, tasks=binder(s3))
    assert r.output == [{"userId": "1", "movieId": "307", "rating": "3.5", "timestamp": "1256677221"},
                        {"userId": "1", "movieId": "1091", "rating": "1.5", "timestamp": "1256677471"}]


def test_json_and_jsonl_objects(tmp_path: Path) -> None:
    items = [{"verdict": "true", "statement_date": "6/11/2008", "statement_source": "speech"},
             {"verdict": "false", "statement_date": "6/7/2022", "statement_source": "television"}]
    s3 = local_s3({"b/facts.json": json.dumps(items), "b/facts.jsonl": "\n".join(map(json.dumps, items)) + "\n"},
                  tmp_path)
    for kind, key in (("JSON", "facts.json"), ("JSONL", "facts.jsonl")):
        reader = {"Resource": GET, "ReaderConfig": {"InputType": kind}, "Parameters": {"Bucket": "b", "Key": key}}
        r = execute(machine(reader), {}, tasks=binder(s3))
        assert (kind, r.output) == (kind, items)


def test_a_json_object_that_is_not_an_array_fails_the_reader(tmp_path: Path) -> None:
    s3 = local_s3({"b/one.json": '{"a": 1}'}, tmp_path)
    reader = {"Resource": GET, "ReaderConfig": {"InputType": "JSON"}, "Parameters": {"Bucket": "b", "Key": "one.json"}}
    r = execute(machine(reader), {}, tasks=binder(s3))
    assert (r.status, r.error, r.cause) == ("FAILED", "States.ItemReaderFailed",
                                            "The object s3://b/one.json must contain a JSON array, not a JSON object")


def test_a_missing_key_fails_the_reader(tmp_path: Path) -> None:
    s3 = local_s3({"b/other.csv": "a\n1\n"}, tmp_path)
    reader = {"Resource": GET, "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
              "Parameters": {"Bucket": "b", "Key": "nope.csv"}}
    r = execute(machine(reader), {}, tasks=binder(s3))
    assert (r.error, r.cause) == ("States.ItemReaderFailed", "The specified key does not exist: s3://b/nope.csv")


def test_list_objects_v2_items_as_aws_gives_them(tmp_path: Path) -> None:
    # "ItemReader (Map)", S3 objects: each item has Etag, Key, LastModified, Size and StorageClass.
    s3 = local_s3({"amzn-s3-demo-bucket/processData/a.jpg": "12345", "amzn-s3-demo-bucket/other/b.jpg": "x"},
                  tmp_path)
    reader = {"Resource": "arn:aws:states:::s3:listObjectsV2",
              "Parameters": {"Bucket": "amzn-s3-demo-bucket", "Prefix": "processData"}}
    r = execute(machine(reader), {}, tasks=binder(s3))
    [item] = r.output
    assert sorted(item) == ["Etag", "Key", "LastModified", "Size", "StorageClass"]
    assert (item["Key"], item["Size"], item["StorageClass"]) == ("processData/a.jpg", 5, "STANDARD")
    assert item["Etag"] == '"827ccb0eea8a706c4c34a16891f84e7b"'  # md5 of "12345", quoted as S3 gives it
    assert isinstance(item["LastModified"], int)


def test_manifest_reads_the_inventory_data_files(tmp_path: Path) -> None:
    # "ItemReader (Map)", S3 inventory: the manifest's fileSchema names the columns.
    manifest = {"sourceBucket": "amzn-s3-demo-source-bucket",
                "destinationBucket": "arn:aws:s3:::amzn-s3-demo-inventory",
                "fileFormat": "CSV", "fileSchema": "Bucket, Key, Size, LastModifiedDate",
                "files": [{"key": "inv/data/1.csv.gz", "size": 1, "MD5checksum": "x"}]}
    data = gzip.compress(b'"amzn-s3-demo-source-bucket","object1","5","2022-11-16T00:29:32.000Z"\n')
    s3 = local_s3({"amzn-s3-demo-inventory/inv/manifest.json": json.dumps(manifest)}, tmp_path)
    s3.put("amzn-s3-demo-inventory", "inv/data/1.csv.gz", data)
    reader = {"Resource": GET, "ReaderConfig": {"InputType": "MANIFEST"},
              "Parameters": {"Bucket": "amzn-s3-demo-inventory", "Key": "inv/manifest.json"}}
    r = execute(machine(reader), {}, tasks=binder(s3))
    assert r.output == [{"Bucket": "amzn-s3-demo-source-bucket", "Key": "object1", "Size": "5",
                         "LastModifiedDate": "2022-11-16T00:29:32.000Z"}]


def test_max_items_and_max_items_path(tmp_path: Path) -> None:
    s3 = local_s3({"b/n.csv": "n\n" + "".join(f"{i}\n" for i in range(10))}, tmp_path)
    base = {"Resource": GET, "Parameters": {"Bucket": "b", "Key": "n.csv"}}
    r = execute(machine({**base, "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW",
                                                  "MaxItems": 3}}), {}, tasks=binder(s3))
    assert r.output == [{"n": "0"}, {"n": "1"}, {"n": "2"}]
    r = execute(machine({**base, "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW",
                                                  "MaxItemsPath": "$.limit"}}), {"limit": 2}, tasks=binder(s3))
    assert r.output == [{"n": "0"}, {"n": "1"}]


# ------------------------------------------------------------------ child executions

def test_ten_thousand_items_run_as_child_executions_with_their_own_history(tmp_path: Path) -> None:
    s3 = local_s3({"b/n.csv": "n\n" + "".join(f"{i}\n" for i in range(10_000))}, tmp_path)
    reader = {"Resource": GET, "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
              "Parameters": {"Bucket": "b", "Key": "n.csv"}}
    r = execute(machine(reader, ResultSelector={"count.$": "States.ArrayLength($)"}), {}, tasks=binder(s3))
    assert (r.status, r.output) == ("SUCCEEDED", {"count": 10_000})
    assert [e["type"] for e in r.history] == [
        "ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted", "MapRunSucceeded",
        "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"]


def test_a_child_sees_its_own_execution_and_the_item_selector_sees_the_item() -> None:
    d = machine(None, {"Show": {"Type": "Pass", "Parameters": {"id.$": "$$.Execution.Id", "in.$": "$"},
                                "End": True}},
                ItemSelector={"index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value"})
    r = execute(d, ["a", "b"], context={"StateMachine": {"Name": "csvProcess"}, "Execution": {"Name": "e1"}})
    first, second = r.output
    assert first["in"] == {"index": 0, "value": "a"} and second["in"] == {"index": 1, "value": "b"}
    prefix = "arn:aws:states:us-east-1:123456789012:execution:csvProcess/Process:"
    assert first["id"].startswith(prefix) and first["id"] != second["id"]


def test_tolerated_failures_and_the_threshold() -> None:
    fail_odd = {"Odd": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 1, "Next": "Boom"}],
                        "Default": "Ok"},
                "Boom": {"Type": "Fail", "Error": "Odd", "Cause": "one"}, "Ok": {"Type": "Succeed"}}
    r = execute(machine(None, fail_odd, ToleratedFailureCount=1), [0, 1, 2])
    assert (r.status, r.output) == ("SUCCEEDED", [0, {"Error": "Odd", "Cause": "one"}, 2])
    r = execute(machine(None, fail_odd, ToleratedFailurePercentage=10), [0, 1, 2])
    assert (r.status, r.error, r.cause) == (
        "FAILED", "States.ExceedToleratedFailureThreshold",
        "An error occurred while executing the state 'Process'. The specified tolerated failure threshold "
        "was exceeded")
    assert "MapRunFailed" in [e["type"] for e in r.history]


# ------------------------------------------------------------------ ItemBatcher

def test_item_batcher_gives_each_child_batch_input_and_items() -> None:
    # "ItemBatcher (Map)": each child's input is {"BatchInput": {...}, "Items": [...]}.
    d = machine(None, ItemBatcher={"MaxItemsPerBatch": 2, "BatchInput": {"factCheck": "December 2022"}})
    r = execute(d, [{"v": 1}, {"v": 2}, {"v": 3}])
    assert r.output == [{"BatchInput": {"factCheck": "December 2022"}, "Items": [{"v": 1}, {"v": 2}]},
                        {"BatchInput": {"factCheck": "December 2022"}, "Items": [{"v": 3}]}]
    r = execute(machine(None, ItemBatcher={"MaxInputBytesPerBatch": 33}), ["aaaaaaaa", "bbbbbbbb", "c"])
    # {"Items":["aaaaaaaa","bbbbbbbb"]} is 33 bytes: the third item starts a new batch
    assert r.output == [{"Items": ["aaaaaaaa", "bbbbbbbb"]}, {"Items": ["c"]}]


# ------------------------------------------------------------------ ResultWriter

def test_result_writer_writes_the_manifest_and_result_files(tmp_path: Path) -> None:
    # "ResultWriter (Map)": the state returns MapRunArn and ResultWriterDetails {Bucket, Key of
    # manifest.json}; the manifest lists the result files by status.
    s3 = local_s3({"b/n.json": "[1, 2]"}, tmp_path)
    reader = {"Resource": GET, "ReaderConfig": {"InputType": "JSON"}, "Parameters": {"Bucket": "b", "Key": "n.json"}}
    writer = {"Resource": "arn:aws:states:::s3:putObject",
              "Parameters": {"Bucket": "amzn-s3-demo-destination-bucket", "Prefix": "csvProcessJobs"}}
    r = execute(machine(reader, ResultWriter=writer), {}, tasks=binder(s3),
                context={"StateMachine": {"Name": "csvProcess"}})
    assert r.status == "SUCCEEDED"
    run_arn = r.output["MapRunArn"]
    run_id = run_arn.rsplit(":", 1)[-1]
    assert run_arn == f"arn:aws:states:us-east-1:123456789012:mapRun:csvProcess/Process:{run_id}"
    assert r.output["ResultWriterDetails"] == {"Bucket": "amzn-s3-demo-destination-bucket",
                                               "Key": f"csvProcessJobs/{run_id}/manifest.json"}
    manifest = json.loads(s3.get("amzn-s3-demo-destination-bucket", f"csvProcessJobs/{run_id}/manifest.json"))
    succeeded_key = f"csvProcessJobs/{run_id}/SUCCEEDED_0.json"
    body = s3.get("amzn-s3-demo-destination-bucket", succeeded_key)
    assert manifest == {"DestinationBucket": "amzn-s3-demo-destination-bucket", "MapRunArn": run_arn,
                        "ResultFiles": {"FAILED": [], "PENDING": [],
                                        "SUCCEEDED": [{"Key": succeeded_key, "Size": len(body)}]}}
    records = json.loads(body)
    assert [(x["Input"], x["Output"], x["Status"]) for x in records] == [("1", "1", "SUCCEEDED"),
                                                                        ("2", "2", "SUCCEEDED")]
    assert sorted(records[0]) == ["ExecutionArn", "Input", "InputDetails", "Name", "Output", "OutputDetails",
                                  "RedriveCount", "RedriveStatus", "RedriveStatusReason", "StartDate",
                                  "StateMachineArn", "Status", "StopDate"]


def test_writer_config_compact_and_failed_files(tmp_path: Path) -> None:
    s3 = LocalS3(tmp_path)
    fail_two = {"Two": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 2, "Next": "Boom"}],
                        "Default": "Ok"},
                "Boom": {"Type": "Fail", "Error": "Two", "Cause": "no"}, "Ok": {"Type": "Succeed"}}
    writer = {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "out", "Prefix": "p"},
              "WriterConfig": {"Transformation": "COMPACT", "OutputType": "JSON"}}
    r = execute(machine(None, fail_two, ResultWriter=writer, ToleratedFailureCount=5), [1, 2, 3], tasks=binder(s3))
    manifest = json.loads(s3.get("out", r.output["ResultWriterDetails"]["Key"]))
    [ok], [bad] = manifest["ResultFiles"]["SUCCEEDED"], manifest["ResultFiles"]["FAILED"]
    assert json.loads(s3.get("out", ok["Key"])) == [1, 3]
    [failed] = json.loads(s3.get("out", bad["Key"]))
    assert (failed["Status"], failed["Error"], failed["Cause"], failed["Input"]) == ("FAILED", "Two", "no", "2")


# ------------------------------------------------------------------ the clear lines

def test_without_s3_the_error_says_where_the_items_come_from() -> None:
    reader = {"Resource": GET, "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
              "Parameters": {"Bucket.$": "$.BucketName", "Key.$": "$.FileKey"}}
    r = execute(machine(reader), {"BucketName": "b", "FileKey": "k.csv"})
    assert (r.status, r.error) == ("FAILED", "States.Runtime")
    assert r.cause == ("Map state 'Process' reads its items from S3 (ItemReader arn:aws:states:::s3:getObject) "
                       "and this run has no S3: give a local one with flowdsl run --s3-root DIR (s3://bucket/key "
                       "is DIR/bucket/key), RunConfig(s3=LocalS3(root=DIR)) or flowdsl.testing.run(..., "
                       "s3={'bucket/key': ...})")


def test_a_mock_on_a_map_state_is_refused() -> None:
    with pytest.raises(RunError, match=r"^cannot mock state 'Process': it is a Map state, which runs its "
                       r"ItemProcessor and calls no task; mock the Task states inside it instead$"):
        execute(machine(None), [1], tasks=TaskBinder({"Process": lambda payload: payload}))


def test_writer_config_alone_returns_the_transformed_results() -> None:
    # "ResultWriter (Map)", WriterConfig only: FLATTEN flattens the children's array outputs.
    d = machine(None, {"Pair": {"Type": "Pass", "Parameters": {"p.$": "States.Array($, $)"}, "OutputPath": "$.p",
                                "End": True}},
                ResultWriter={"WriterConfig": {"Transformation": "FLATTEN", "OutputType": "JSON"}})
    assert execute(d, [1, 2]).output == [1, 1, 2, 2]


def test_a_jsonata_reader_takes_its_arguments_and_max_items(tmp_path: Path) -> None:
    s3 = local_s3({"b/rows.jsonl": '{"a":1}\n{"a":2}\n{"a":3}\n'}, tmp_path)
    d = machine({"Resource": GET, "ReaderConfig": {"InputType": "JSONL", "MaxItems": "{% $states.input.n %}"},
                 "Arguments": {"Bucket": "b", "Key": "{% $states.input.key %}"}})
    d["QueryLanguage"] = "JSONata"
    r = execute(d, {"key": "rows.jsonl", "n": 2}, tasks=binder(s3))
    assert (r.status, r.output) == ("SUCCEEDED", [{"a": 1}, {"a": 2}])


def test_each_child_has_its_own_25000_event_history() -> None:
    # A child that loops 13,000 times passes its own quota and fails alone; the parent goes on.
    loop = {"Count": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "More"},
            "More": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericLessThan": 13000, "Next": "Count"}],
                     "Default": "Done"},
            "Done": {"Type": "Succeed"}}
    r = execute(machine(None, loop, ToleratedFailureCount=1), [{"n": 12990}, {"n": 0}], max_steps=200_000)
    assert (r.status, r.output) == ("SUCCEEDED", [{"n": 13000}, {
        "Error": "States.Runtime", "Cause": "The execution reached the maximum number of history events (25000)."}])


def test_parquet_needs_pyarrow(tmp_path: Path) -> None:
    import importlib.util

    s3 = local_s3({"b/t.parquet": b"PAR1"}, tmp_path)
    reader = {"Resource": GET, "ReaderConfig": {"InputType": "PARQUET"}, "Parameters": {"Bucket": "b", "Key": "t.parquet"}}
    r = execute(machine(reader), {}, tasks=binder(s3))
    if importlib.util.find_spec("pyarrow") is None:
        assert (r.error, r.cause) == ("States.ItemReaderFailed", "Cannot read the Parquet object s3://b/t.parquet "
                                      "locally: reading Parquet needs the pyarrow package (pip install pyarrow)")
    else:
        assert r.error == "States.ItemReaderFailed"


def test_a_run_config_s3_root_is_relative_to_the_defining_file(tmp_path: Path) -> None:
    from flowdsl.pipeline import prepare_run

    (tmp_path / "data" / "b").mkdir(parents=True)
    (tmp_path / "data" / "b" / "k.csv").write_text("x\n1\n")
    config = RunConfig(s3=LocalS3("data"), base_dir=tmp_path)
    reader = {"Resource": GET, "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
              "Parameters": {"Bucket.$": "$.BucketName", "Key.$": "$.FileKey"}}
    prepared = prepare_run(machine(reader), input={"BucketName": "b", "FileKey": "k.csv"}, config=config)
    r = execute(prepared.definition, prepared.input, tasks=prepared.binder)
    assert (r.status, r.output) == ("SUCCEEDED", [{"x": "1"}])
    # flowdsl run --s3-root gives an absolute root in place of the file's
    (tmp_path / "other" / "b").mkdir(parents=True)
    (tmp_path / "other" / "b" / "k.csv").write_text("x\n2\n")
    moved = config.with_s3(LocalS3(tmp_path / "other"))
    r = execute(prepared.definition, prepared.input, tasks=moved.binder())
    assert (r.status, r.output) == ("SUCCEEDED", [{"x": "2"}])


def test_size_limits_of_json_objects_and_csv_headers(tmp_path: Path) -> None:
    s3 = local_s3({"b/big.json": "[" + " " * (8 * 1024 * 1024) + "]", "b/wide.csv": ",".join(["h" * 100] * 110) + "\n"},
                  tmp_path)
    r = execute(machine({"Resource": GET, "ReaderConfig": {"InputType": "JSON"},
                         "Parameters": {"Bucket": "b", "Key": "big.json"}}), {}, tasks=binder(s3))
    assert (r.error, r.cause) == ("States.ItemReaderFailed",
                                  "The JSON object s3://b/big.json is 8,388,610 bytes; a JSON ItemReader reads at "
                                  "most 8 MB (8,388,608 bytes); use JSONL or CSV for larger data sets")
    r = execute(machine(csv_reader() | {"Parameters": {"Bucket": "b", "Key": "wide.csv"}}), {}, tasks=binder(s3))
    assert (r.error, r.cause) == ("States.ItemReaderFailed",
                                  "The CSV header of s3://b/wide.csv is longer than 10 KiB, the most Step Functions "
                                  "supports")


def test_a_failed_map_run_still_writes_its_results(tmp_path: Path) -> None:
    s3 = LocalS3(tmp_path)
    boom = {"Boom": {"Type": "Fail", "Error": "Bad", "Cause": "always"}}
    writer = {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "out", "Prefix": "runs"}}
    r = execute(machine(None, boom, ResultWriter=writer, ToleratedFailureCount=0), [1, 2], tasks=binder(s3))
    assert (r.status, r.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    [manifest_path] = (tmp_path / "out" / "runs").glob("*/manifest.json")
    manifest = json.loads(manifest_path.read_text())
    assert (manifest["ResultFiles"]["SUCCEEDED"], len(manifest["ResultFiles"]["FAILED"])) == ([], 1)
    [record] = json.loads(s3.get("out", manifest["ResultFiles"]["FAILED"][0]["Key"]))
    assert (record["Error"], record["Cause"], record["RedriveStatus"]) == ("Bad", "always", "REDRIVABLE_BY_MAP_RUN")
