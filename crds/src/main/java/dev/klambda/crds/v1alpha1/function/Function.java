package dev.klambda.crds.v1alpha1.function;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonIgnore;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

import dev.klambda.crds.v1alpha1.KlambdaApi;
import dev.klambda.crds.v1alpha1.Messages;

/**
 * A Lambda function: the mutable $LATEST code and configuration, and the settings that apply to
 * the whole function.
 */
@Group(KlambdaApi.GROUP)
@Version(KlambdaApi.VERSION)
@ShortNames("fn")
@JsonClassDescription("A Lambda function: its mutable $LATEST code and configuration and its function-wide settings. Versions freeze it; aliases route to versions.")
@AdditionalPrinterColumn(name = "Runtime", jsonPath = ".spec.runtime", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Memory", jsonPath = ".spec.memorySize", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "State", jsonPath = ".status.state", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(value = "!has(self.spec) || has(self.spec.functionName) || (self.metadata.name.matches('^[a-zA-Z0-9_-]+$') && size(self.metadata.name) <= 64)", message = Messages.FUNCTION_NAME_FROM_METADATA)
public class Function extends CustomResource<FunctionSpec, FunctionStatus> implements Namespaced {

    /** The Lambda function name: {@code spec.functionName}, else {@code metadata.name}. */
    @JsonIgnore
    public String functionName() {
        if (getSpec() != null && getSpec().getFunctionName() != null) {
            return getSpec().getFunctionName();
        }
        return getMetadata().getName();
    }
}
