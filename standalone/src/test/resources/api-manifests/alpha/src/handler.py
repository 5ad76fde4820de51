def handler(event, context):
    return "alpha"
