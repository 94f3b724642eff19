"""A moto ECS cluster like the stack's: one GPU container instance, the worker and master
task definitions. Shared by the AWS tests through the ``cluster`` fixture (conftest.py)."""

from __future__ import annotations

import json
from typing import Any

CLUSTER = "sentiment"
WORKER = "sentiment-worker"
MASTER = "sentiment-master"


def create_cluster(ecs: Any, ec2: Any) -> str:
    ecs.create_cluster(clusterName=CLUSTER)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(
        ImageId=image, MinCount=1, MaxCount=1, InstanceType="g4dn.12xlarge"
    )["Instances"][0]
    identity = {
        "instanceId": instance["InstanceId"],
        "region": "us-east-1",
        "availabilityZone": "us-east-1a",
        "instanceType": "g4dn.12xlarge",
        "imageId": image,
        "privateIp": "10.0.0.10",
        "accountId": "123456789012",
    }
    ecs.register_container_instance(cluster=CLUSTER, instanceIdentityDocument=json.dumps(identity))
    ecs.register_task_definition(
        family=WORKER,
        requiresCompatibilities=["EC2"],
        containerDefinitions=[
            {
                "name": "worker",
                "image": "worker:latest",
                "memory": 1024,
                "command": ["python", "-m", "pipeline", "worker"],
                "resourceRequirements": [{"type": "GPU", "value": "1"}],
            }
        ],
    )
    ecs.register_task_definition(
        family=MASTER,
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "master", "image": "manager:latest", "memory": 512}],
    )
    return CLUSTER
