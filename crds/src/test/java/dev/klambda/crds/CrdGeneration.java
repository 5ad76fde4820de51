package dev.klambda.crds;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonClassDescription;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder;
import io.fabric8.kubernetes.client.CustomResource;

import dev.klambda.crds.v1alpha1.CustomResources;

/**
 * Generates the CRD YAML of the four kinds with the fabric8 CRD generator, adding the
 * descriptions of the top-level fields, which the generator cannot take from the classes.
 */
final class CrdGeneration {

    private CrdGeneration() {
    }

    /** Writes one file per kind into {@code dir} and returns their paths. */
    static List<Path> generateInto(Path dir) throws IOException {
        Files.createDirectories(dir);
        new CRDGenerator()
                .customResourceClasses(new ArrayList<>(CustomResources.KINDS))
                .forCRDVersions("v1")
                .withPostProcessor(new CRDPostProcessor() {
                    @Override
                    public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
                        return describeTopLevel(crd);
                    }
                })
                .inOutputDir(dir.toFile())
                .generate();
        List<Path> files = new ArrayList<>();
        for (Class<? extends CustomResource<?, ?>> kind : CustomResources.KINDS) {
            files.add(dir.resolve(CustomResources.crdFileName(kind)));
        }
        return files;
    }

    private static HasMetadata describeTopLevel(HasMetadata resource) {
        CustomResourceDefinition crd = (CustomResourceDefinition) resource;
        String kind = crd.getSpec().getNames().getKind();
        Class<?> kindClass = CustomResources.KINDS.stream()
                .filter(k -> k.getSimpleName().equals(kind))
                .findFirst()
                .orElseThrow();
        JsonClassDescription description = kindClass.getAnnotation(JsonClassDescription.class);
        List<String> columnOrder = Arrays.stream(kindClass.getAnnotationsByType(AdditionalPrinterColumn.class))
                .map(AdditionalPrinterColumn::name)
                .toList();
        crd.getSpec().getVersions().forEach(version -> {
            // kubectl shows columns in this order; the generator sorts them by name.
            version.getAdditionalPrinterColumns().sort(Comparator.comparing(c -> columnOrder.indexOf(c.getName())));

            JSONSchemaProps root = version.getSchema().getOpenAPIV3Schema();
            root.setDescription(description.value());
            Map<String, JSONSchemaProps> properties = new LinkedHashMap<>();
            properties.put("apiVersion", new JSONSchemaPropsBuilder().withType("string")
                    .withDescription("The versioned schema of this representation of an object: klambda.dev/v1alpha1.")
                    .build());
            properties.put("kind", new JSONSchemaPropsBuilder().withType("string")
                    .withDescription("The REST resource this object represents: " + kind + ".")
                    .build());
            properties.put("metadata", new JSONSchemaPropsBuilder().withType("object")
                    .withDescription("Standard object metadata: name, namespace, labels, annotations.")
                    .build());
            properties.putAll(root.getProperties());
            properties.get("spec").setDescription("The desired state of the " + kind + ".");
            properties.get("status").setDescription("The state klambda observed. Written by klambda.");
            root.setProperties(properties);
        });
        return crd;
    }
}
