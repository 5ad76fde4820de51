"""boto3's waiters and paginators against klambda's management API.

Usage: python3 walkthrough.py <endpoint-url>. Exits non-zero (an AssertionError or a botocore
error) when anything differs from what boto3 expects of AWS Lambda.
"""
import io
import sys
import zipfile

import boto3
from botocore.config import Config


def package(body):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", body)
    return buffer.getvalue()


def main(endpoint):
    client = boto3.client(
        "lambda", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
        aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}))
    names = [f"paged-{i}" for i in range(7)]
    for name in names:
        client.create_function(
            FunctionName=name, Runtime="python3.12", Handler="app.handler",
            Role="arn:aws:iam::000000000000:role/r",
            Code={"ZipFile": package("def handler(event, context):\n    return 1\n")}, Publish=True)
        client.get_waiter("function_active_v2").wait(FunctionName=name)
    client.get_waiter("function_exists").wait(FunctionName=names[0])
    client.update_function_configuration(FunctionName=names[0], Timeout=9)
    client.get_waiter("function_updated_v2").wait(FunctionName=names[0])
    client.get_waiter("published_version_active").wait(FunctionName=names[0], Qualifier="1")
    assert client.get_function_configuration(FunctionName=names[0])["Timeout"] == 9

    pages = list(client.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 2}))
    listed = [f["FunctionName"] for page in pages for f in page["Functions"]]
    assert [n for n in listed if n.startswith("paged-")] == names, listed
    assert len(listed) == len(set(listed)), listed
    assert len(pages) >= 4, len(pages)

    for n in range(3):
        client.update_function_code(
            FunctionName=names[1], ZipFile=package(f"def handler(event, context):\n    return {n}\n"), Publish=True)
    versions = [v["Version"]
                for page in client.get_paginator("list_versions_by_function").paginate(
                    FunctionName=names[1], PaginationConfig={"PageSize": 2})
                for v in page["Versions"]]
    assert versions == ["$LATEST", "1", "2", "3", "4"], versions

    for alias in ("blue", "green", "red"):
        client.create_alias(FunctionName=names[1], Name=alias, FunctionVersion="2")
    aliases = [a["Name"]
               for page in client.get_paginator("list_aliases").paginate(
                   FunctionName=names[1], PaginationConfig={"PageSize": 1})
               for a in page["Aliases"]]
    assert aliases == ["blue", "green", "red"], aliases

    for name in names:
        client.delete_function(FunctionName=name)
    client.get_waiter("function_exists")  # a waiter object for a name that is gone must not be needed
    remaining = [f["FunctionName"] for page in client.get_paginator("list_functions").paginate()
                 for f in page["Functions"]]
    assert not any(n.startswith("paged-") for n in remaining), remaining
    print("boto3 walkthrough ok")


if __name__ == "__main__":
    main(sys.argv[1])
