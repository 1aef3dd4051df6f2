"""The AWS SDK integrations' table (flowdsl/tasks/sdk_services.py) against the installed
botocore, AWS's list of SDK integration names, and the IAM dataset; the calls whose IAM is
more than their own action."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import botocore.session
import pytest

from flowdsl.placeholders import to_template
from flowdsl.tasks import sdk, sdk_services
from flowdsl.tasks.sdk import dataset_problems

from sdk_table import TARGET, generate, sdk_action, sdk_name

SESSION = botocore.session.get_session()
LOADER = SESSION.get_component("data_loader")
BOTOCORE_SERVICES = SESSION.get_available_services()

P = "${data.aws_partition.current.partition}"
HERE = "${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}"


def model(botocore_name: str) -> dict[str, Any]:
    return LOADER.load_service_model(botocore_name, "service-2")


def shown(allows: list[Any] | None) -> list[tuple[Any, ...]] | None:
    """Statements as (sid, actions, resources, conditions), references as ``${...}``."""
    if allows is None:
        return None
    return [(a.sid, a.actions, tuple(to_template(list(a.resources))),
             tuple((t, k, tuple(to_template(list(v)))) for t, k, v in a.conditions))
            for a in allows]


# the shipped table is the installed botocore's ------------------------------------------------

def test_the_table_is_generated_from_the_installed_botocore() -> None:
    assert TARGET.read_text() == generate(), (
        f"flowdsl/tasks/sdk_services.py was generated from botocore {sdk_services.BOTOCORE} "
        "and another IAM dataset: regenerate it with 'python tests/sdk_table.py' and commit it")


def test_flowdsl_loads_the_table_only_for_sdk_tasks() -> None:
    code = ("import sys, flowdsl\n"
            "from flowdsl.validate import validate\n"
            "doc = {'StartAt': 'T', 'States': {'T': {'Type': 'Task', 'End': True,\n"
            "       'Resource': 'arn:aws:states:::sns:publish', 'Parameters': {}}}}\n"
            "validate(doc)\n"
            "print('flowdsl.tasks.sdk_services' in sys.modules)\n"
            "doc['States']['T']['Resource'] = 'arn:aws:states:::aws-sdk:s3:getObject'\n"
            "validate(doc)\n"
            "print('flowdsl.tasks.sdk_services' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


# the naming rule, against the Step Functions Developer Guide's table -------------------------

# "Supported AWS SDK service integrations" (supported-services-awssdk), every Task state
# resource's service name
AWS_NAMES = """
account amplify appmesh appconfig appconfigdata appsync applicationdiscovery auditmanager
autoscalingplans backup backupgateway batch budgets acm acmpca servicediscovery cloud9
cloudformation cloudhsm cloudhsmv2 cloudtrail cloudcontrol codebuild codecommit codedeploy
codepipeline codestar codestarnotifications codestarconnections computeoptimizer config
costexplorer costandusagereport dataexchange datapipeline datasync databasemigration devicefarm
directconnect directory ec2instanceconnect elasticbeanstalk medialive mediapackage
mediapackagevod mediastore fis fms glue databrew greengrass groundstation iam iot
iot1clickprojects iotanalytics iotdeviceadvisor iotevents ioteventsdata iotfleethub greengrassv2
iotjobsdataplane iotsecuretunneling iotsitewise iotthingsgraph iotwireless kms lakeformation
lambda licensemanager marketplacecatalog marketplacecommerceanalytics marketplaceentitlement
mediatailor migrationhub migrationhubconfig migrationhubstrategy mobile networkfirewall opsworks
opsworkscm organizations outposts panorama pi pricing rdsdata resiliencehub ram resourcegroups
resourcegroupstaggingapi robomaker identitystore ssooidc secretsmanager sts securityhub sms
servicecatalog servicecatalogappregistry shield signer sso ssoadmin sfn storagegateway support
transfer waf wafregional wafv2 wellarchitected xray marketplacemetering
serverlessapplicationrepository accessanalyzer alexaforbusiness apigateway apigatewayv2
appintegrations appstream appflow athena sagemakera2iruntime braket chime chimesdkmeetings
clouddirectory cloudfront cloudsearch cloudwatch applicationinsights evidently cloudwatchlogs rum
synthetics codeguruprofiler codegurureviewer cognitoidentity cognitoidentityprovider cognitosync
comprehend comprehendmedical connectcontactlens connectparticipant connect voiceid wisdom dlm
detective devopsguru docdb dynamodb dynamodbstreams ecr ecs ssm emrcontainers elasticache
elasticinference ebs ec2 ecrpublic efs eks emr elastictranscoder elasticsearch opensearch
eventbridge fsx forecastquery forecast frauddetector gamelift glacier guardduty healthlake
honeycode inspector inspector2 ivs kendra kinesis kinesisanalytics kinesisanalyticsv2 firehose
kinesisvideosignaling kinesisvideo kinesisvideoarchivedmedia kinesisvideomedia lexmodelbuilding
lexmodelsv2 lexruntime lexruntimev2 lightsail location lookoutvision mq macie macie2
managedblockchain grafana amp kafka kafkaconnect mwaa mturk memorydb neptune personalize
personalizeevents personalizeruntime pinpoint pinpointemail pinpointsmsvoice polly qldb
qldbsession quicksight redshift redshiftdata rekognition rds route53 route53domains
route53resolver s3outposts sagemakerfeaturestoreruntime sagemakerruntime sagemaker sagemakeredge
ses sesv2 sns sqs s3 swf textract transcribe translate workdocs workmail workmailmessageflow
workspaces workspacesweb amplifybackend amplifyuibuilder applicationautoscaling autoscaling
codeartifact dax imagebuilder drs elasticloadbalancing elasticloadbalancingv2 mediaconnect
networkmanager s3control rbin savingsplans schemas servicequotas snowball
""".split()

# in AWS's table, but retired by AWS and no longer in botocore
RETIRED = {"alexaforbusiness", "codestar", "elasticinference", "elastictranscoder", "evidently",
           "honeycode", "iot1clickprojects", "iotanalytics", "iotevents", "ioteventsdata",
           "iotfleethub", "lookoutvision", "macie", "mobile", "opsworks", "opsworkscm",
           "panorama", "qldb", "qldbsession", "robomaker", "sms"}


def test_every_name_in_aws_table_is_a_botocore_service_by_the_rule() -> None:
    assert len(AWS_NAMES) == len(set(AWS_NAMES)) == 264
    missing = set(AWS_NAMES) - set(sdk.services())
    assert missing == RETIRED


@pytest.mark.parametrize("service_id, name", [
    ("Config Service", "config"), ("Cost and Usage Report Service", "costandusagereport"),
    ("Application Discovery Service", "applicationdiscovery"),
    ("Database Migration Service", "databasemigration"), ("Directory Service", "directory"),
    ("Elasticsearch Service", "elasticsearch"), ("Lex Model Building Service", "lexmodelbuilding"),
    ("Lex Runtime Service", "lexruntime"),
    ("Marketplace Entitlement Service", "marketplaceentitlement"),
    # "service" is dropped only at the end
    ("Directory Service Data", "directoryservicedata"), ("Service Quotas", "servicequotas"),
    ("ServiceDiscovery", "servicediscovery"),
])
def test_the_naming_rule(service_id: str, name: str) -> None:
    assert sdk_name(service_id) == name
    assert name in AWS_NAMES or name in sdk.services()
    assert sdk.check(f"{name}:{sorted(sdk.operations(name))[0]}", "") is None


# every botocore service ----------------------------------------------------------------------

# services none of whose operations has an IAM action in the dataset, and why
NO_IAM_ACTION = {
    # the calls carry a token of their own and are not signed: the role needs nothing
    "accountaccessruntime": "unsigned", "codecatalyst": "unsigned", "sso": "unsigned",
    # the IAM dataset has no prefix for the service
    "abusesignal": "no prefix", "agentdiscovery": "no prefix", "applicationcostprofiler":
    "no prefix", "iotthingsgraph": "no prefix", "opensearchmemory": "no prefix",
    # the prefix's actions are not named after the operations (and AWS does not say which
    # actions authorise them): the build asks for permissions=
    "connectscheduling": "not named", "iamtoolbox": "not named",
    "sagemakergatewayruntime": "not named", "sagemakerinferencerouterruntime": "not named",
}


@pytest.mark.parametrize("botocore_name", BOTOCORE_SERVICES)
def test_every_botocore_service_validates_and_derives_an_iam_action(botocore_name: str) -> None:
    m = model(botocore_name)
    name = sdk_name(m["metadata"]["serviceId"])
    actions = sorted(sdk_action(o) for o in m["operations"])
    assert sdk.operations(name) == set(actions)
    for action in actions:
        if (name, action) not in sdk.UNSUPPORTED:
            assert sdk.check(f"{name}:{action}", "") is None, action
            assert sdk.check(f"{name}:{action}", ".waitForTaskToken") is None, action
    derived = [a for a in actions if sdk.iam_actions(name, a)]
    if name in NO_IAM_ACTION:
        assert derived == []
        why = NO_IAM_ACTION[name]
        assert (sdk.prefix_of(name) is None) == (why == "no prefix")
        free = [sdk.grants(f"{name}:{a}", "", {}) == [] for a in actions]
        assert all(free) if why == "unsigned" else not any(free)
        return
    action = derived[0]
    assert dataset_problems(sdk.grants(f"{name}:{action}", "", {})) == []


@pytest.mark.parametrize("call, statements", [
    ("apigateway:createApiKey",  # API Gateway's management API is authorised by HTTP verb
     [(None, ("apigateway:POST",), (f"arn:{P}:apigateway:${{data.aws_region.current.name}}::"
                                    "/apikeys",), ())]),
    ("apigatewayv2:getRoutes",
     [(None, ("apigateway:GET",), (f"arn:{P}:apigateway:${{data.aws_region.current.name}}::"
                                   "/apis/a1/routes",), ())]),
    ("apigatewaymanagementapi:deleteConnection",  # the API and stage are the endpoint's
     [("SdkResourceNotInParameters", ("execute-api:ManageConnections",),
       (f"arn:{P}:execute-api:{HERE}:*/*/DELETE/@connections/c1",), ())]),
    ("opensearch:acceptInboundConnection",  # OpenSearch Service's IAM prefix is es
     [(None, ("es:AcceptInboundConnection",), ("*",), ())]),
    ("codecatalyst:createAccessToken", []),  # signed with a bearer token, not the role
    ("sso:getRoleCredentials", []),  # unsigned: the request carries the access token
])
def test_calls_that_are_not_named_after_an_iam_action(call: str, statements: Any) -> None:
    params = {"ApiId": "a1", "ConnectionId": "c1"}
    got = sdk.grants(call, "", params)
    assert shown(got) == statements
    assert dataset_problems(got) == []


# misspelt and unsupported calls ----------------------------------------------------------------

@pytest.mark.parametrize("name, message", [
    ("bedrockagnt:getAgent",
     "'bedrockagnt' is not an AWS service the SDK integrations know (did you mean "
     "'bedrockagent'?)"),
    ("zzzz:getThing", "'zzzz' is not an AWS service the SDK integrations know"),
    ("s3:getobject", "s3 has no action 'getobject' (did you mean 'getObject'?)"),
    ("efs:describeFileSystem", "efs has no action 'describeFileSystem' (did you mean "
     "'describeFileSystems'?)"),
    ("sqs:frobnicate", "sqs has no action 'frobnicate'"),
    ("s3:selectObjectContent",
     "s3:selectObjectContent is not available as an SDK integration of Step Functions"),
    ("lambda:invokeAsync",
     "lambda:invokeAsync is not available as an SDK integration of Step Functions"),
])
def test_misspelt_and_unsupported_calls(name: str, message: str) -> None:
    assert sdk.check(name, "") == message


@pytest.mark.parametrize("name", ["bedrockagent:getAgent", "efs:describeFileSystems",
                                  "emr:runJobFlow", "directory:describeDirectories",
                                  "ssoadmin:listInstances", "lexmodelbuilding:getBots",
                                  "pinpointsmsvoice:sendVoiceMessage"])
def test_services_the_hand_list_missed(name: str) -> None:
    assert sdk.check(name, "") is None


# calls whose IAM is more than their own action ----------------------------------------------

TABLE = f"arn:{P}:dynamodb:{HERE}:table/"


@pytest.mark.parametrize("action", ["query", "scan"])
def test_dynamodb_query_and_scan_on_an_index(action: str) -> None:
    iam = "dynamodb:" + action.capitalize()
    assert shown(sdk.grants(f"dynamodb:{action}", "", {"TableName": "t", "IndexName": "i"})) == [
        (None, (iam,), (TABLE + "t", TABLE + "t/index/i"), ())]
    assert shown(sdk.grants(f"dynamodb:{action}", "", {"TableName": "t", "IndexName.$": "$.i"})) \
        == [(None, (iam,), (TABLE + "t", TABLE + "t/index/*"), ())]
    assert shown(sdk.grants(f"dynamodb:{action}", "", {"TableName": "t"})) == [
        (None, (iam,), (TABLE + "t",), ())]


DATA_API = ("SdkResourceNotInParameters", ("redshift-data:ExecuteStatement",),
            (f"arn:{P}:redshift:{HERE}:cluster:*", f"arn:{P}:redshift-serverless:{HERE}:workgroup/*"),
            ())
SECRET = "arn:aws:secretsmanager:us-east-1:111122223333:secret:warehouse-AbCdEf"


@pytest.mark.parametrize("params, extra", [
    ({"ClusterIdentifier": "wh", "DbUser": "etl", "Database": "dev"},
     (None, ("redshift:GetClusterCredentials",),
      (f"arn:{P}:redshift:{HERE}:dbuser:wh/etl", f"arn:{P}:redshift:{HERE}:dbname:wh/dev"), ())),
    ({"ClusterIdentifier": "wh", "DbUser.$": "$.user", "Database": "dev"},
     (None, ("redshift:GetClusterCredentials",),
      (f"arn:{P}:redshift:{HERE}:dbuser:wh/*", f"arn:{P}:redshift:{HERE}:dbname:wh/dev"), ())),
    ({"ClusterIdentifier": "wh", "Database": "dev"},  # the caller's own IAM identity
     (None, ("redshift:GetClusterCredentialsWithIAM",),
      (f"arn:{P}:redshift:{HERE}:dbname:wh/dev",), ())),
    ({"WorkgroupName": "analytics", "Database": "dev"},
     ("RedshiftWorkgroupArnEndsWithItsId", ("redshift-serverless:GetCredentials",),
      (f"arn:{P}:redshift-serverless:{HERE}:workgroup/*",), ())),
    ({"ClusterIdentifier": "wh", "SecretArn": SECRET, "Database": "dev"},
     (None, ("secretsmanager:GetSecretValue",), (SECRET,), ())),
    ({"WorkgroupName": "analytics", "SecretArn.$": "$.secret", "Database": "dev"},
     ("RedshiftSecretChosenAtRunTime", ("secretsmanager:GetSecretValue",),
      (f"arn:{P}:secretsmanager:{HERE}:secret:*",), ())),
])
def test_redshift_data_gets_the_credentials_it_connects_with(params: Any, extra: Any) -> None:
    got = sdk.grants("redshiftdata:executeStatement", "", {**params, "Sql": "select 1"})
    assert shown(got) == [DATA_API, extra]
    assert dataset_problems(got) == []


PASSED = (("StringEquals", "iam:PassedToService", ("scheduler.amazonaws.com",)),)
ROLE = "arn:aws:iam::111122223333:role/scheduler-target"


@pytest.mark.parametrize("action", ["createSchedule", "updateSchedule"])
def test_a_schedule_passes_its_target_role(action: str) -> None:
    iam = "scheduler:" + action[0].upper() + action[1:]
    own = ("SdkResourceNotInParameters", (iam,), (f"arn:{P}:scheduler:{HERE}:schedule/*/*",), ())
    target = {"Arn": "arn:aws:sqs:us-east-1:111122223333:q", "RoleArn": ROLE}
    got = sdk.grants(f"scheduler:{action}", "", {"Name": "n", "Target": target})
    assert shown(got) == [own, (None, ("iam:PassRole",), (ROLE,), PASSED)]
    assert dataset_problems(got) == []
    chosen = sdk.grants(f"scheduler:{action}", "", {"Name": "n", "Target": {"RoleArn.$": "$.r"}})
    assert shown(chosen) == [own, ("ScheduleRoleChosenAtRunTime", ("iam:PassRole",),
                                   (f"arn:{P}:iam::${{data.aws_caller_identity.current."
                                    "account_id}:role/*",), PASSED)]
    assert shown(sdk.grants(f"scheduler:{action}", "", {"Name": "n"})) == [own]
