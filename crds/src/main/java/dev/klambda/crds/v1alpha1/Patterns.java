package dev.klambda.crds.v1alpha1;

/**
 * Regular expressions for Lambda identifiers, written in the subset that Java, Go's RE2 (used by
 * the Kubernetes API server for OpenAPI patterns and CEL) and JSON Schema agree on: anchored, no
 * lookaround. Patterns from the Lambda service model that need lookahead are split into a
 * pattern here plus a CEL rule.
 */
public final class Patterns {

    /** A bare function name: Lambda's {@code [a-zA-Z0-9-_]+}, at most 64 characters. */
    public static final String FUNCTION_NAME = "^[a-zA-Z0-9_-]+$";

    /**
     * A reference to a function as Lambda's APIs accept it: a name, {@code name:qualifier}, a
     * partial ARN ({@code 123456789012:function:name[:qualifier]}) or a full ARN.
     */
    public static final String FUNCTION_REFERENCE = "^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-[0-9]{1}:)?([0-9]{12}:)?(function:)?([a-zA-Z0-9_-]+)(:(\\$LATEST|[a-zA-Z0-9_-]+))?$";

    /** A version a qualifier or alias can point at: {@code $LATEST} or a version number. */
    public static final String FUNCTION_VERSION = "^(\\$LATEST|[0-9]+)$";

    /** An alias name; additionally it must not be all digits (a CEL rule says so). */
    public static final String ALIAS_NAME = "^[a-zA-Z0-9_-]+$";

    /** Digits only: a version number, which an alias name must not look like. */
    public static final String DIGITS = "^[0-9]+$";

    /** A handler: no whitespace. */
    public static final String HANDLER = "^[^\\s]+$";

    /** A SHA-256 digest, either as hex (what sha256sum prints) or as Lambda's base64. */
    public static final String SHA256 = "^([a-f0-9]{64}|[A-Za-z0-9+/]{43}=)$";

    /** A SHA-256 digest as Lambda reports CodeSha256: base64. */
    public static final String SHA256_BASE64 = "^[A-Za-z0-9+/]{43}=$";

    /** A layer version ARN. */
    public static final String LAYER_VERSION_ARN = "^arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:[0-9]{12}:layer:[a-zA-Z0-9_-]+:[0-9]+$";

    /** An environment variable name. */
    public static final String ENVIRONMENT_VARIABLE_NAME = "^[a-zA-Z][a-zA-Z0-9_]+$";

    /** A Kubernetes object name (DNS-1123 subdomain). */
    public static final String KUBERNETES_NAME = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

    /** A Kubernetes ConfigMap or Secret data key. */
    public static final String KUBERNETES_DATA_KEY = "^[-._a-zA-Z0-9]+$";

    /**
     * The function's execution identity: a Kubernetes service account name, or an IAM role ARN
     * whose last path segment names the service account.
     */
    public static final String ROLE = "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*|arn:(aws[a-zA-Z-]*)?:iam::[0-9]{12}:role/?[a-zA-Z_0-9+=,.@_/-]+)$";

    /**
     * Where an asynchronous result or a failed record goes: a function ARN, an SQS or SNS ARN, a
     * Kafka topic ({@code kafka://topic}) or an HTTP(S) endpoint.
     */
    public static final String DESTINATION = "^(kafka://[a-zA-Z0-9_-][a-zA-Z0-9._-]{0,248}|https?://[^\\s]+|arn:aws[a-zA-Z-]*:(lambda|sqs|sns|s3|events):[^\\s]+)$";

    /** An HTTP or HTTPS URL. */
    public static final String HTTP_URL = "^https?://[^\\s]+$";

    /** An AMQP or AMQPS URL. */
    public static final String AMQP_URL = "^amqps?://[^\\s]+$";

    /** An SQS queue ARN. */
    public static final String SQS_ARN = "^arn:aws[a-zA-Z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[a-zA-Z0-9_.-]+$";

    /** A Kafka bootstrap server: {@code host:port}. */
    public static final String HOST_PORT = "^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])\\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]):[0-9]{1,5}$";

    /** A Kafka topic name. */
    public static final String KAFKA_TOPIC = "^[a-zA-Z0-9_-][a-zA-Z0-9._-]*$";

    /** A Kafka consumer group id, as Lambda accepts it. */
    public static final String CONSUMER_GROUP_ID = "^[a-zA-Z0-9/*:_+=.@-]+$";

    /** A source access configuration URI: a Secret name, or a virtual host. */
    public static final String SOURCE_ACCESS_URI = "^[a-zA-Z0-9/*:_+=.@-]*$";

    /** A resource-policy statement id. */
    public static final String STATEMENT_ID = "^[a-zA-Z0-9_-]+$";

    /** A resource-policy action. */
    public static final String POLICY_ACTION = "^(lambda:[*]|lambda:[a-zA-Z]+|[*])$";

    /** A resource-policy principal: no whitespace. */
    public static final String PRINCIPAL = "^[^\\s]+$";

    /** A 12-digit AWS account id. */
    public static final String ACCOUNT_ID = "^[0-9]{12}$";

    /** An AWS Organizations id. */
    public static final String PRINCIPAL_ORG_ID = "^o-[a-z0-9]{10,32}$";

    /** A permission's qualifier: an alias or version; never {@code $LATEST}. */
    public static final String PERMISSION_QUALIFIER = "^[a-zA-Z0-9_-]+$";

    /** An IPv4 or IPv6 CIDR block. */
    public static final String CIDR = "^[0-9a-fA-F:.]+/[0-9]{1,3}$";

    private Patterns() {
    }
}
