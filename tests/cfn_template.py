"""The deployment's SAM template as the tests read it: CloudFormation's short intrinsics
(``!Ref``, ``!GetAtt``, ``!Sub``…) in their long forms (``{"Ref": …}``, ``{"Fn::GetAtt":
[resource, attribute]}``), which plain YAML cannot load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

TEMPLATE = Path(__file__).resolve().parents[1] / "infra" / "template.yaml"


class CloudFormationLoader(yaml.SafeLoader):
    """Reads !Ref, !GetAtt, !Sub… as their long forms ({"Ref": …}, {"Fn::GetAtt": …})."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


CloudFormationLoader.add_multi_constructor("!", _tag)


def load_template() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load(
        TEMPLATE.read_text(encoding="utf-8"), Loader=CloudFormationLoader
    )
    return loaded
