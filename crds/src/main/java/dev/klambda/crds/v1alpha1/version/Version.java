package dev.klambda.crds.v1alpha1.version;

import com.fasterxml.jackson.annotation.JsonClassDescription;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;

import dev.klambda.crds.v1alpha1.KlambdaApi;

/** An immutable, numbered snapshot of a function's code and configuration. */
@Group(KlambdaApi.GROUP)
@io.fabric8.kubernetes.model.annotation.Version(KlambdaApi.VERSION)
@ShortNames("fnv")
@JsonClassDescription("An immutable, numbered snapshot of a function's code and configuration, with its own warm pool and provisioned concurrency.")
@AdditionalPrinterColumn(name = "Function", jsonPath = ".spec.functionName", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Version", jsonPath = ".spec.version", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Warm", jsonPath = ".status.pool.warm", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Busy", jsonPath = ".status.pool.busy", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class Version extends CustomResource<VersionSpec, VersionStatus> implements Namespaced {
}
