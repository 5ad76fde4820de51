def handler(event, context):
    return "gamma"
