package dev.klambda.crds.v1alpha1;

/**
 * The messages of the CEL rules declared on the custom resources. The API server returns them for
 * a manifest that breaks a rule; standalone mode's validator in {@code core} returns the very same
 * text for the same manifest.
 */
public final class Messages {

    public static final String FUNCTION_NAME_FROM_METADATA = "set spec.functionName: metadata.name is not a valid Lambda function name (letters, digits, '-' and '_', at most 64 characters)";
    public static final String FUNCTION_NAME_IMMUTABLE = "functionName is immutable";
    public static final String ZIP_NEEDS_RUNTIME_AND_HANDLER = "runtime and handler are required unless code.imageUri is set";
    public static final String IMAGE_TAKES_NO_RUNTIME = "runtime, handler and layers do not apply to code.imageUri: the image brings its own";
    public static final String CODE_AT_MOST_ONE_SOURCE = "code takes at most one of imageUri, url, configMap and path";
    public static final String CODE_NEEDS_SOURCE = "code needs a source: imageUri, url, configMap, path, or sha256 alone for a zip in the code store";
    public static final String CODE_IMAGE_NOT_HASHED = "sha256 verifies zip code and does not apply to imageUri: pin an image by digest instead";
    public static final String LAYER_ONE_SOURCE = "a layer takes either arn, or path and/or sha256";
    public static final String ENVIRONMENT_NAMES = "environment variable names start with a letter and contain only letters, digits and '_' (at least 2 characters)";
    public static final String ENVIRONMENT_RESERVED = "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification.";
    public static final String ENVIRONMENT_TOO_LARGE = "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit.";
    public static final String ENVIRONMENT_DUPLICATE = "a variable cannot be set in both variables and secrets";
    public static final String EGRESS_NEEDS_ISOLATED = "allowedEgress applies only to mode Isolated";
    public static final String STATEMENT_IDS_UNIQUE = "permissions[].statementId must be unique";
    public static final String TAGS_SIZE = "tag keys have 1 to 128 characters and tag values at most 256";

    public static final String VERSION_NUMBER_SET_ONCE = "version is set once and never changed";
    public static final String VERSION_SNAPSHOT_FROZEN = "snapshot is frozen: a Version's configuration is set once and never changed";

    public static final String ALIAS_NAME_FROM_METADATA = "set spec.name: metadata.name is not a valid alias name (letters, digits, '-' and '_', not all digits, at most 128 characters)";
    public static final String ALIAS_NAME_IMMUTABLE = "name is immutable";
    public static final String ALIAS_NAME_NOT_NUMBER = "an alias name cannot be all digits: it would read as a version number";
    public static final String ALIAS_WEIGHTS_OWN_VERSION = "routingConfig.additionalVersionWeights cannot weight functionVersion, the version the alias points to";
    public static final String ALIAS_LATEST_NOT_WEIGHTED = "$LATEST is not supported for an alias pointing to more than 1 version";
    public static final String WEIGHT_KEYS = "additionalVersionWeights keys are version numbers";
    public static final String WEIGHT_RANGE = "additionalVersionWeights values are between 0.0 and 1.0";
    public static final String WEIGHT_SUM = "additionalVersionWeights values sum to at most 1.0";

    public static final String ESM_ONE_SOURCE = "exactly one source is required: kafka, sqs or rabbitmq";
    public static final String ESM_SOURCE_TYPE_IMMUTABLE = "the source type of a mapping cannot change: create a new mapping";
    public static final String ESM_KAFKA_IMMUTABLE = "kafka bootstrapServers, topics and consumerGroupId cannot change: create a new mapping";
    public static final String ESM_KAFKA_STARTING_POSITION = "startingPosition is required for kafka sources";
    public static final String ESM_STARTING_POSITION_IMMUTABLE = "startingPosition cannot change";
    public static final String ESM_AT_TIMESTAMP = "startingPositionTimestamp is required with startingPosition AT_TIMESTAMP";
    public static final String ESM_SQS_STREAM_SETTINGS = "startingPosition, maximumRetryAttempts, maximumRecordAgeInSeconds and bisectBatchOnFunctionError do not apply to sqs sources";
    public static final String ESM_SQS_DESTINATION = "destinationConfig does not apply to sqs sources: give the queue a dead-letter queue instead";
    public static final String ESM_SQS_BATCH_WINDOW = "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10";
    public static final String ESM_SCALING_SQS_ONLY = "scalingConfig applies only to sqs sources";
    public static final String ESM_RECORD_AGE = "maximumRecordAgeInSeconds is -1 (records never expire) or between 60 and 604800";
    public static final String ESM_SQS_ONE_QUEUE = "sqs takes exactly one of queueUrl and eventSourceArn";

    private Messages() {
    }
}
