package dev.klambda.crds.v1alpha1.eventsourcemapping;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Size;

/** Lambda's event filtering: only records matching one of the patterns invoke the function. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FilterCriteria(
        @JsonPropertyDescription("Up to 5 filters; a record passes when it matches any of them.") @Size(max = 5) List<Filter> filters) {

    /** One filter pattern. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Filter(
            @JsonPropertyDescription("A Lambda event filter pattern (JSON), e.g. {\"value\": {\"type\": [\"order\"]}}.") @Size(max = 4096) String pattern) {
    }
}
