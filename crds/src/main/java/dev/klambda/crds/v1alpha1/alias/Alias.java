package dev.klambda.crds.v1alpha1.alias;

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

/** A movable name (prod, beta) for a function version, with optional weighted routing. */
@Group(KlambdaApi.GROUP)
@Version(KlambdaApi.VERSION)
@ShortNames("fna")
@JsonClassDescription("A movable name (prod, beta) for one version of a function, optionally sending shares of traffic to other versions.")
@AdditionalPrinterColumn(name = "Function", jsonPath = ".spec.functionName", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Version", jsonPath = ".spec.functionVersion", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Weights", jsonPath = ".spec.routingConfig.additionalVersionWeights", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(value = "!has(self.spec) || has(self.spec.name) || (self.metadata.name.matches('^[a-zA-Z0-9_-]+$') && !self.metadata.name.matches('^[0-9]+$') && size(self.metadata.name) <= 128)", message = Messages.ALIAS_NAME_FROM_METADATA)
public class Alias extends CustomResource<AliasSpec, AliasStatus> implements Namespaced {

    /** The alias name callers use: {@code spec.name}, else {@code metadata.name}. */
    @JsonIgnore
    public String aliasName() {
        if (getSpec() != null && getSpec().name() != null) {
            return getSpec().name();
        }
        return getMetadata().getName();
    }
}
