"""Signs a handful of Lambda requests with botocore's SigV4 (the aws CLI's and boto3's signer) and
prints them as JSON: the fixture SigV4VerifierTest checks our verifier against, at the time each
was signed (its X-Amz-Date). Run: python3 botocore_vectors.py > botocore-vectors.json"""
import base64
import json

import botocore.auth
import botocore.awsrequest
import botocore.credentials

CREDENTIALS = botocore.credentials.Credentials("test", "test")
HOST = "127.0.0.1:9000"

CASES = [
    ("invoke with an ARN name and $LATEST", "POST",
     "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Ahello/invocations",
     "Qualifier=%24LATEST",
     {"X-Amz-Invocation-Type": "RequestResponse", "X-Amz-Log-Type": "Tail",
      "X-Amz-Client-Context": "eyJjdXN0b20iOnt9fQ=="},
     b'{"name": "klambda"}'),
    ("get with no body", "GET", "/2015-03-31/functions/hello", None, {}, b""),
    ("list with a query needing encoding", "GET", "/2015-03-31/functions/",
     "FunctionVersion=ALL&Marker=a%20b%E2%82%AC&MaxItems=10", {}, b""),
    ("json operation with content-type", "POST", "/2015-03-31/functions/hello/versions", None,
     {"Content-Type": "application/json"}, b'{"Description": "v1"}'),
    ("binary body", "POST", "/2015-03-31/functions/hello/invocations", None, {}, bytes(range(256))),
]


def main():
    vectors = []
    for name, method, path, query, headers, body in CASES:
        url = "http://" + HOST + path + ("?" + query if query else "")
        request = botocore.awsrequest.AWSRequest(method=method, url=url, data=body, headers=dict(headers))
        # What the CLI adds but never signs.
        request.headers["User-Agent"] = "aws-cli/1.45 Python/3.11 botocore/1.43"
        request.headers["amz-sdk-invocation-id"] = "4d8a7bb2-8d7a-4a46-9b31-6a9ad7f3c0a1"
        botocore.auth.SigV4Auth(CREDENTIALS, "lambda", "us-east-1").add_auth(request)
        vectors.append({
            "name": name,
            "method": method,
            "rawPath": path,
            "rawQuery": query,
            "headers": {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()},
            "host": HOST,
            "body": base64.b64encode(body).decode(),
        })
    print(json.dumps(vectors, indent=2))


if __name__ == "__main__":
    main()
