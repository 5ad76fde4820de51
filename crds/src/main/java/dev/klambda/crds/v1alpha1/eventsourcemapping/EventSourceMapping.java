package dev.klambda.crds.v1alpha1.eventsourcemapping;

import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonIgnore;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

import dev.klambda.crds.v1alpha1.KlambdaApi;

/** Feeds batches of records from Kafka, an SQS-compatible queue or RabbitMQ to a function. */
@Group(KlambdaApi.GROUP)
@Version(KlambdaApi.VERSION)
@ShortNames("esm")
@JsonClassDescription("Feeds batches of records from Kafka topics, an SQS-compatible queue or a RabbitMQ queue to a function, with Lambda's batching, retry and failure-destination semantics.")
@AdditionalPrinterColumn(name = "Function", jsonPath = ".spec.functionName", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "State", jsonPath = ".status.state", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Batch", jsonPath = ".spec.batchSize", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Lag", jsonPath = ".status.lag", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Last Result", jsonPath = ".status.lastProcessingResult", type = AdditionalPrinterColumn.Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class EventSourceMapping extends CustomResource<EventSourceMappingSpec, EventSourceMappingStatus> implements Namespaced {

    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    /**
     * The mapping's UUID, as Lambda's API reports it: its status says, else its name when that is
     * one (mappings made through the API are named by it), else its uid.
     */
    @JsonIgnore
    public String uuid() {
        if (getStatus() != null && getStatus().uuid() != null) {
            return getStatus().uuid();
        }
        String name = getMetadata().getName();
        return UUID.matcher(name).matches() ? name : getMetadata().getUid();
    }
}
