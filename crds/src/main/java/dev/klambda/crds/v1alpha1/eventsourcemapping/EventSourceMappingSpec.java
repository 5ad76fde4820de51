package dev.klambda.crds.v1alpha1.eventsourcemapping;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

import dev.klambda.crds.v1alpha1.Messages;
import dev.klambda.crds.v1alpha1.Patterns;

/** A source of records, the function it feeds, and Lambda's batching and error settings. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "(has(self.kafka) ? 1 : 0) + (has(self.sqs) ? 1 : 0) + (has(self.rabbitmq) ? 1 : 0) == 1", message = Messages.ESM_ONE_SOURCE)
@ValidationRule(value = "has(self.kafka) == has(oldSelf.kafka) && has(self.sqs) == has(oldSelf.sqs) && has(self.rabbitmq) == has(oldSelf.rabbitmq)", message = Messages.ESM_SOURCE_TYPE_IMMUTABLE)
@ValidationRule(value = "!has(self.kafka) || has(self.startingPosition)", message = Messages.ESM_KAFKA_STARTING_POSITION)
@ValidationRule(value = "has(self.startingPosition) == has(oldSelf.startingPosition) && (!has(self.startingPosition) || self.startingPosition == oldSelf.startingPosition)", message = Messages.ESM_STARTING_POSITION_IMMUTABLE)
@ValidationRule(value = "!has(self.startingPosition) || self.startingPosition != 'AT_TIMESTAMP' || has(self.startingPositionTimestamp)", message = Messages.ESM_AT_TIMESTAMP)
@ValidationRule(value = "!has(self.sqs) || (!has(self.startingPosition) && !has(self.maximumRetryAttempts) && !has(self.maximumRecordAgeInSeconds) && !has(self.bisectBatchOnFunctionError))", message = Messages.ESM_SQS_STREAM_SETTINGS)
@ValidationRule(value = "!has(self.sqs) || !has(self.destinationConfig)", message = Messages.ESM_SQS_DESTINATION)
@ValidationRule(value = "!has(self.sqs) || !has(self.batchSize) || self.batchSize <= 10 || (has(self.maximumBatchingWindowInSeconds) && self.maximumBatchingWindowInSeconds > 0)", message = Messages.ESM_SQS_BATCH_WINDOW)
@ValidationRule(value = "!has(self.scalingConfig) || has(self.sqs)", message = Messages.ESM_SCALING_SQS_ONLY)
@ValidationRule(value = "!has(self.maximumRecordAgeInSeconds) || self.maximumRecordAgeInSeconds == -1 || (self.maximumRecordAgeInSeconds >= 60 && self.maximumRecordAgeInSeconds <= 604800)", message = Messages.ESM_RECORD_AGE)
public record EventSourceMappingSpec(
        @JsonPropertyDescription("The function to invoke: a name, name:qualifier (version or alias), or an ARN.") @Required @Pattern(Patterns.FUNCTION_REFERENCE) @Size(min = 1, max = 140) String functionName,
        @JsonPropertyDescription("false pauses the mapping without losing its position.") @Default("true") Boolean enabled,
        @JsonPropertyDescription("Read records from Kafka topics.") KafkaSource kafka,
        @JsonPropertyDescription("Read messages from an SQS or SQS-compatible queue.") SqsSource sqs,
        @JsonPropertyDescription("Read messages from a RabbitMQ queue.") RabbitMqSource rabbitmq,
        @JsonPropertyDescription("Credentials, TLS material and virtual host for the source.") @Size(max = 22) List<SourceAccessConfiguration> sourceAccessConfigurations,
        @JsonPropertyDescription("Most records per invocation (1-10000). Default: 100 for kafka and rabbitmq, 10 for sqs.") @Min(1) @Max(10000) Integer batchSize,
        @JsonPropertyDescription("Longest time to gather records before invoking, in seconds (0-300). Default: 0 for sqs; 0.5 s for kafka and rabbitmq.") @Min(0) @Max(300) Integer maximumBatchingWindowInSeconds,
        @JsonPropertyDescription("Where a new consumer group starts: TRIM_HORIZON (oldest), LATEST (newest) or AT_TIMESTAMP. Required for kafka.") StartingPosition startingPosition,
        @JsonPropertyDescription("With AT_TIMESTAMP, the time to start from, in Unix epoch seconds.") @Min(0) Long startingPositionTimestamp,
        @JsonPropertyDescription("Retries of a failed batch (-1 to 10000); -1 retries until the records expire. Not for sqs: the queue's redrive policy decides.") @Min(-1) @Max(10000) Integer maximumRetryAttempts,
        @JsonPropertyDescription("Records older than this are not processed (-1 for never, else 60-604800 seconds). Not for sqs.") @Min(-1) @Max(604800) Integer maximumRecordAgeInSeconds,
        @JsonPropertyDescription("Split a failing batch in two and retry each half. Not for sqs.") Boolean bisectBatchOnFunctionError,
        @JsonPropertyDescription("ReportBatchItemFailures lets the function report which records failed instead of failing the batch.") @Size(max = 1) List<FunctionResponseType> functionResponseTypes,
        @JsonPropertyDescription("Where records go that exhausted their retries or expired. Not for sqs.") OnFailureDestinationConfig destinationConfig,
        @JsonPropertyDescription("Only records matching these patterns invoke the function; the others are skipped and committed.") FilterCriteria filterCriteria,
        @JsonPropertyDescription("Concurrency limits, for sqs sources.") ScalingConfig scalingConfig) {

    /** Where a new consumer starts reading. */
    public enum StartingPosition {
        TRIM_HORIZON,
        LATEST,
        AT_TIMESTAMP
    }

    /** Lambda's function response types. */
    public enum FunctionResponseType {
        ReportBatchItemFailures
    }
}
