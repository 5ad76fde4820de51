def handler(event, context):
    return "hand-written"
