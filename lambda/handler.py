"""AWS Lambda entry point of the HTTP API (image command ``lambda.handler.handler``, see
infra/template.yaml). The logic lives in the package: pipeline.api.gateway."""

from pipeline.api.lambda_entry import LambdaEntry

handler = LambdaEntry()
