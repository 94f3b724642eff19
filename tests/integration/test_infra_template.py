"""The SAM template passes cfn-lint and keeps the security promises of the deployment."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cfn_template import TEMPLATE, load_template

from pipeline.cli.main import build_parser
from pipeline.settings import MAX_RETENTION_DAYS, Settings

REPO = Path(__file__).resolve().parents[2]
DOCKERFILES = [REPO / "Dockerfile.worker", REPO / "Dockerfile.manager"]
# Actions AWS cannot scope to a resource: Resource "*" is the only form they accept.
NO_RESOURCE_LEVEL_ACTIONS = {"ecr:GetAuthorizationToken", "ecs:DiscoverPollEndpoint"}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {
        name: resource.get("Properties", {})
        for name, resource in template["Resources"].items()
        if resource["Type"] == kind
    }


def _statements(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every IAM statement anywhere in the template (roles, SAM inline policies, bucket policy)."""
    if isinstance(node, dict):
        if "Effect" in node and ("Action" in node or "NotAction" in node):
            yield where, node
        for key, value in node.items():
            yield from _statements(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _statements(value, f"{where}/{index}")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.mark.slow
def test_template_passes_cfn_lint() -> None:
    pytest.importorskip("cfnlint")
    result = subprocess.run(
        [sys.executable, "-c", "from cfnlint.runner import main; main()", str(TEMPLATE)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_allow_statement_grants_a_wildcard_action(template: dict[str, Any]) -> None:
    statements = list(_statements(template["Resources"]))
    allows = [(where, s) for where, s in statements if s["Effect"] == "Allow"]
    assert len(allows) >= 20, "the roles' statements were not found"
    for where, statement in allows:
        assert "NotAction" not in statement, where
        for action in _as_list(statement["Action"]):
            assert isinstance(action, str) and "*" not in action, f"{where}: {action}"


def test_wildcards_appear_only_where_aws_allows_nothing_narrower(
    template: dict[str, Any],
) -> None:
    """Resource "*" only for actions without resource-level permissions or under a Condition
    that pins this stack's cluster; a wildcard action only in a Deny (the TLS-only policy)."""
    for where, statement in _statements(template["Resources"]):
        actions = set(_as_list(statement["Action"]))
        if statement["Effect"] == "Deny":
            continue
        if "*" in _as_list(statement.get("Resource", [])):
            assert actions <= NO_RESOURCE_LEVEL_ACTIONS or "Condition" in statement, where


JOB_FILES = {"uploads", "results", "analysis"}
"""The bucket's prefixes of a job's own files: its input, its results CSVs, its analysis."""


def test_only_a_jobs_own_files_can_be_deleted(template: dict[str, Any]) -> None:
    """Erasing a job removes its input, results and analysis (the API at its owner's request,
    the master at the end of the retention, a worker erasing again a job a restored database
    brought back); the worker also merges a job's vector chunks and finishes an erasure it
    raced. Nothing else of the bucket (the models) may be deleted."""
    deleting = {
        where: s
        for where, s in _statements(template["Resources"])
        if s["Effect"] == "Allow" and "s3:DeleteObject" in _as_list(s["Action"])
    }
    prefixes: dict[str, set[str]] = {}
    for where, statement in deleting.items():
        assert _as_list(statement["Action"]) == ["s3:DeleteObject"], where
        resources = [r["Fn::Sub"] for r in _as_list(statement["Resource"])]
        assert all(r.startswith("${Bucket.Arn}/") and r.endswith("/*") for r in resources), where
        prefixes[where.split("/")[1]] = {r.split("/")[1] for r in resources}
    assert prefixes.pop("WorkerTaskRole") == JOB_FILES
    assert prefixes.pop("MasterTaskRole") == JOB_FILES
    assert prefixes and all(found == JOB_FILES for found in prefixes.values()), prefixes


def test_functions_use_inline_statements_only(template: dict[str, Any]) -> None:
    """SAM policy templates and managed policies hide their actions from the checks above."""
    functions = _resources(template, "AWS::Serverless::Function")
    assert functions
    for name, function in functions.items():
        for policy in function.get("Policies", []):
            assert isinstance(policy, dict) and "Statement" in policy, name
    for name, role in _resources(template, "AWS::IAM::Role").items():
        assert "ManagedPolicyArns" not in role, name


def test_the_bucket_is_private_encrypted_and_expires_objects(template: dict[str, Any]) -> None:
    (bucket,) = _resources(template, "AWS::S3::Bucket").values()
    block = bucket["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    rules = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rules[0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    lifecycle = bucket["LifecycleConfiguration"]["Rules"]
    assert any(rule["Status"] == "Enabled" and "ExpirationInDays" in rule for rule in lifecycle)
    retention = template["Parameters"]["ObjectRetentionDays"]
    assert retention["MaxValue"] == MAX_RETENTION_DAYS  # what PIPELINE_RETENTION_DAYS takes


def test_jobs_dead_letter_and_outlive_a_chunk(template: dict[str, Any]) -> None:
    queues = template["Resources"]
    redrive = queues["JobQueue"]["Properties"]["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["JobDeadLetterQueue", "Arn"]}
    assert redrive["maxReceiveCount"] >= 1
    # Short, since the worker's heartbeat extends it (issue 12: a dead worker costs ≤ 90 s),
    # and the same in every component (init applies PIPELINE_VISIBILITY_TIMEOUT_S to the queue).
    visibility = queues["JobQueue"]["Properties"]["VisibilityTimeout"]
    assert 2 * Settings().heartbeat_s < visibility <= 90
    definitions = _resources(template, "AWS::ECS::TaskDefinition").values()
    values = {_environment(each)["PIPELINE_VISIBILITY_TIMEOUT_S"] for each in definitions}
    assert values == {str(visibility)}


def test_every_component_knows_the_redrive_count_the_worker_re_sends_before(
    template: dict[str, Any],
) -> None:
    """The worker re-sends a healthy job's message before the queue's maxReceiveCount; with
    a smaller PIPELINE_MAX_RECEIVES it would re-send too early, with a larger one too late
    (the redrive would fail a job that progresses)."""
    redrive = template["Resources"]["JobQueue"]["Properties"]["RedrivePolicy"]
    definitions = _resources(template, "AWS::ECS::TaskDefinition").values()
    values = [_environment(definition).get("PIPELINE_MAX_RECEIVES") for definition in definitions]
    api = template["Resources"]["ApiFunction"]["Properties"]["Environment"]["Variables"]
    values.append(api["PIPELINE_MAX_RECEIVES"])
    assert len(values) >= 4 and set(values) == {str(redrive["maxReceiveCount"])}


def test_the_database_password_lives_in_secrets_manager(template: dict[str, Any]) -> None:
    (database,) = _resources(template, "AWS::RDS::DBInstance").values()
    assert database["ManageMasterUserPassword"] is True
    assert "MasterUserPassword" not in database
    assert database["StorageEncrypted"] is True
    assert database["PubliclyAccessible"] is False


def _mentions(node: Any, needle: str) -> bool:
    if isinstance(node, dict):
        return any(_mentions(k, needle) or _mentions(v, needle) for k, v in node.items())
    if isinstance(node, list):
        return any(_mentions(item, needle) for item in node)
    return isinstance(node, str) and needle in node


def _secrets_readable_by(resource: dict[str, Any]) -> list[Any]:
    return [
        target
        for _where, statement in _statements(resource)
        if "secretsmanager:GetSecretValue" in _as_list(statement["Action"])
        for target in _as_list(statement["Resource"])
    ]


def _database_user(url: Any) -> str:
    match = re.match(r"postgresql\+psycopg2://([a-z_]+)@", url["Fn::Sub"])
    assert match is not None, url
    return match.group(1)


def test_only_the_migration_step_gets_the_master_user_secret(template: dict[str, Any]) -> None:
    holders = {
        name
        for name, resource in template["Resources"].items()
        if _mentions(resource, "MasterUserSecret")
    }
    assert holders == {"InitTaskExecutionRole", "InitTaskDefinition"}
    definitions = _resources(template, "AWS::ECS::TaskDefinition")
    executions = {name: d["ExecutionRoleArn"]["Fn::GetAtt"][0] for name, d in definitions.items()}
    assert executions == {
        "WorkerTaskDefinition": "TaskExecutionRole",
        "MasterTaskDefinition": "TaskExecutionRole",
        "InitTaskDefinition": "InitTaskExecutionRole",
    }
    master_role = template["Resources"]["MasterTaskRole"]["Properties"]
    passed = [
        target["Fn::GetAtt"][0]
        for _where, statement in _statements(master_role)
        if statement["Action"] == "iam:PassRole"
        for target in statement["Resource"]
    ]
    assert "InitTaskExecutionRole" not in passed  # the master cannot start a task holding it
    sends = [
        statement["Resource"]
        for _where, statement in _statements(master_role)
        if statement["Action"] == "sqs:SendMessage"
    ]  # a job whose submit died before its message is sent one by the master
    assert sends == [{"Fn::GetAtt": ["JobQueue", "Arn"]}]


def test_each_component_logs_in_as_its_own_database_role(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    logins = {
        name: json.loads(props["GenerateSecretString"]["SecretStringTemplate"])["username"]
        for name, props in _resources(template, "AWS::SecretsManager::Secret").items()
    }
    assert logins == {
        "ApiDatabaseSecret": "pipeline_api",
        "WorkerDatabaseSecret": "pipeline_worker",
    }
    master_user = resources["Database"]["Properties"]["MasterUsername"]
    assert master_user not in logins.values()

    api = resources["ApiFunction"]["Properties"]
    variables = api["Environment"]["Variables"]
    assert _database_user(variables["PIPELINE_DATABASE_URL"]) == logins["ApiDatabaseSecret"]
    assert variables["PIPELINE_DATABASE_SECRET_ARN"] == {"Ref": "ApiDatabaseSecret"}
    assert _secrets_readable_by(api) == [{"Ref": "ApiDatabaseSecret"}]

    definitions = _resources(template, "AWS::ECS::TaskDefinition")
    for name in ("WorkerTaskDefinition", "MasterTaskDefinition", "InitTaskDefinition"):
        container = definitions[name]["ContainerDefinitions"][0]
        user = _database_user(_environment(definitions[name])["PIPELINE_DATABASE_URL"])
        (password,) = container["Secrets"]
        assert password["Name"] == "PGPASSWORD"
        if name == "InitTaskDefinition":
            assert user == master_user
            assert "MasterUserSecret" in password["ValueFrom"]["Fn::Sub"]
        else:
            assert user == logins["WorkerDatabaseSecret"]
            assert password["ValueFrom"] == {"Fn::Sub": "${WorkerDatabaseSecret}:password::"}
    init = _environment(definitions["InitTaskDefinition"])
    assert init["PIPELINE_API_DATABASE_SECRET_ARN"] == {"Ref": "ApiDatabaseSecret"}
    assert init["PIPELINE_WORKER_DATABASE_SECRET_ARN"] == {"Ref": "WorkerDatabaseSecret"}

    readable = {
        name: _secrets_readable_by(resources[name])
        for name in ("TaskExecutionRole", "InitTaskExecutionRole", "InitTaskRole")
    }
    assert readable == {
        "TaskExecutionRole": [{"Ref": "WorkerDatabaseSecret"}],
        "InitTaskExecutionRole": [{"Fn::GetAtt": ["Database", "MasterUserSecret.SecretArn"]}],
        "InitTaskRole": [{"Ref": "ApiDatabaseSecret"}, {"Ref": "WorkerDatabaseSecret"}],
    }
    for name in ("WorkerTaskRole", "MasterTaskRole"):
        assert _secrets_readable_by(resources[name]) == []


def test_the_api_needs_a_key(template: dict[str, Any]) -> None:
    (api,) = _resources(template, "AWS::Serverless::Api").values()
    assert api["Auth"]["ApiKeyRequired"] is True


def test_a_keys_daily_quota_outlasts_a_day_of_the_products_own_polling(
    template: dict[str, Any],
) -> None:
    """The CLI's watchers and the app poll once or twice a second while a job runs: at the
    10,000 requests a day the stack gave each key, one tab open on a running job spent a
    department's key in under 90 minutes, every call refused until midnight UTC."""
    plan = template["Resources"]["Api"]["Properties"]["Auth"]["UsagePlan"]
    assert plan["Quota"] == {"Limit": {"Ref": "ApiRequestsPerKeyPerDay"}, "Period": "DAY"}
    parameter = template["Parameters"]["ApiRequestsPerKeyPerDay"]
    tab_for_a_working_day = 2 * 8 * 3600
    assert parameter["Default"] >= 3 * tab_for_a_working_day


def test_workers_get_a_gpu_and_the_master_runs_on_fargate(template: dict[str, Any]) -> None:
    definitions = _resources(template, "AWS::ECS::TaskDefinition")
    worker, master = definitions["WorkerTaskDefinition"], definitions["MasterTaskDefinition"]
    assert worker["RequiresCompatibilities"] == ["EC2"]
    assert {"Type": "GPU", "Value": "1"} in worker["ContainerDefinitions"][0][
        "ResourceRequirements"
    ]
    assert master["RequiresCompatibilities"] == ["FARGATE"]


def test_no_access_keys_anywhere_in_the_deployment_files(template: dict[str, Any]) -> None:
    assert not _resources(template, "AWS::IAM::AccessKey")
    assert not _resources(template, "AWS::IAM::User")
    key_id = re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")
    for path in [TEMPLATE, *DOCKERFILES, REPO / "docs" / "deploy.md"]:
        text = path.read_text(encoding="utf-8")
        assert not key_id.search(text), path
        assert "aws_secret_access_key" not in text.lower(), path


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda path: path.name)
def test_container_commands_are_real_cli_commands(dockerfile: Path) -> None:
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile.read_text(encoding="utf-8"), re.MULTILINE)
    assert cmd is not None
    argv = json.loads(cmd.group(1))
    assert argv[:3] == ["python", "-m", "pipeline"]
    build_parser().parse_args(argv[3:])


def test_task_definitions_run_the_same_commands_as_the_images(template: dict[str, Any]) -> None:
    definitions = _resources(template, "AWS::ECS::TaskDefinition")
    commands = {
        name: definition["ContainerDefinitions"][0]["Command"]
        for name, definition in definitions.items()
    }
    assert commands == {
        "WorkerTaskDefinition": ["python", "-m", "pipeline", "worker"],
        "MasterTaskDefinition": ["python", "-m", "pipeline", "master"],
        "InitTaskDefinition": ["python", "-m", "pipeline", "init"],
    }
    for argv in commands.values():
        build_parser().parse_args(argv[3:])


def _environment(definition: dict[str, Any]) -> dict[str, Any]:
    container = definition["ContainerDefinitions"][0]
    return {item["Name"]: item["Value"] for item in container["Environment"]}


def test_the_master_exits_when_idle_and_workers_record_their_task_and_cost(
    template: dict[str, Any],
) -> None:
    definitions = _resources(template, "AWS::ECS::TaskDefinition")
    master = _environment(definitions["MasterTaskDefinition"])
    worker = _environment(definitions["WorkerTaskDefinition"])
    assert master["PIPELINE_MASTER_EXIT_IDLE_S"] == {"Ref": "MasterExitIdleSeconds"}
    assert template["Parameters"]["MasterExitIdleSeconds"]["MinValue"] > 0
    assert worker["PIPELINE_WORKER_ID_SOURCE"] == "ecs"  # its id = the task ARN the fleet lists
    assert master["PIPELINE_FLEET"] == "ecs"
    assert worker["PIPELINE_WORKER_PRICE_PER_HOUR"] == {"Ref": "WorkerPricePerHour"}


def test_the_lambda_runs_the_handler_in_the_repo_with_the_workers_model(
    template: dict[str, Any],
) -> None:
    function = template["Resources"]["ApiFunction"]
    (command,) = function["Properties"]["ImageConfig"]["Command"]
    module, attribute = command.rsplit(".", 1)
    handler_file = REPO / f"{module.replace('.', '/')}.py"
    assert handler_file.is_file() and f"\n{attribute} = " in handler_file.read_text()
    manager = (REPO / "Dockerfile.manager").read_text(encoding="utf-8")
    assert re.search(rf"^COPY {module.split('.')[0]} ", manager, re.MULTILINE)
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert not {module.split(".")[0], f"{module.split('.')[0]}/"} & set(ignored)

    # the API renders PDF reports: WeasyPrint (in [aws]) and its Pango libraries in the image
    assert "apt-get install" in manager and "libpango-1.0-0 libpangoft2-1.0-0" in manager
    assert re.search(r'pip install[^\n]*"\.\[aws\]"', manager)
    assert any(
        line.lstrip().startswith("aws = ") and "weasyprint" in line
        for line in (REPO / "pyproject.toml").read_text(encoding="utf-8").splitlines()
    )

    variables = function["Properties"]["Environment"]["Variables"]
    worker = _environment(_resources(template, "AWS::ECS::TaskDefinition")["WorkerTaskDefinition"])
    assert variables["PIPELINE_MODEL"] == worker["PIPELINE_MODEL"]
    assert variables["PIPELINE_MASTER_TASK_DEFINITION"] == {"Fn::Sub": "${AWS::StackName}-master"}
    assert "PIPELINE_DATABASE_SECRET_ARN" in variables
    routes = {
        (event["Properties"]["Path"], event["Properties"]["Method"])
        for event in function["Properties"]["Events"].values()
    }
    assert routes == {("/v1/{proxy+}", "ANY"), ("/health", "GET")}
