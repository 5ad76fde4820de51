package dev.klambda.standalone.store;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.quarkus.runtime.Startup;
import io.vertx.core.Vertx;

import dev.klambda.core.code.CodeDigest;
import dev.klambda.core.code.DirectoryCodeStore;
import dev.klambda.core.layer.LayerStore;
import dev.klambda.crds.v1alpha1.function.Code;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.function.FunctionConfiguration;
import dev.klambda.crds.v1alpha1.function.Layer;
import dev.klambda.crds.v1alpha1.version.Version;
import dev.klambda.standalone.StandaloneConfig;

/**
 * Keeps the code store to what is used: a zip goes once no function, published version or
 * published layer version of any namespace refers to it (and it is older than the grace period). Runs now and then, off
 * the event loops.
 */
@Startup
@ApplicationScoped
public class CodeCollector {

    private static final Logger LOG = Logger.getLogger(CodeCollector.class);

    private final ManifestDirectoryStore store;
    private final LayerStore layers;
    private final DirectoryCodeStore codeStore;
    private final StandaloneConfig.CodeStoreConfig config;
    private final Vertx vertx;
    private final long timer;

    @Inject
    public CodeCollector(ManifestDirectoryStore store, DirectoryCodeStore codeStore, LayerStore layers,
            StandaloneConfig config, Vertx vertx) {
        this.store = store;
        this.layers = layers;
        this.codeStore = codeStore;
        this.config = config.codeStore();
        this.vertx = vertx;
        this.timer = vertx.setPeriodic(this.config.collectInterval().toMillis(), t -> vertx.executeBlocking(() -> {
            collect();
            return null;
        }, false));
    }

    @PreDestroy
    void stop() {
        vertx.cancelTimer(timer);
    }

    /** Deletes what nothing refers to; returns the SHA-256s deleted. */
    synchronized List<String> collect() {
        try {
            Set<String> referenced = referenced(store.snapshot());
            layers.all().forEach(layer -> referenced.add(layer.sha256()));
            List<String> deleted = codeStore.collect(referenced, config.grace());
            if (!deleted.isEmpty()) {
                LOG.infof("code store: removed %d zip(s) nothing refers to any more", deleted.size());
            }
            return deleted;
        } catch (IOException e) {
            LOG.warnf("code store: cannot collect unused zips: %s", e.getMessage());
            return List.of();
        }
    }

    /** The SHA-256s (hex) of every zip the loaded resources refer to. */
    static Set<String> referenced(ManifestDirectoryStore.Snapshot snapshot) {
        Set<String> referenced = new HashSet<>();
        for (ManifestDirectoryStore.Namespace namespace : snapshot.namespaces().values()) {
            for (Function function : namespace.functions().values()) {
                add(referenced, function.getSpec());
                if (function.getStatus() != null) {
                    addHash(referenced, function.getStatus().codeSha256());
                }
            }
            for (List<Version> versions : namespace.versions().values()) {
                for (Version version : versions) {
                    if (version.getSpec().snapshot() != null) {
                        addHash(referenced, version.getSpec().snapshot().codeSha256());
                        add(referenced, version.getSpec().snapshot().configuration());
                    }
                }
            }
        }
        return referenced;
    }

    private static void add(Set<String> referenced, FunctionConfiguration configuration) {
        Code code = configuration.getCode();
        if (code != null) {
            addHash(referenced, code.sha256());
        }
        if (configuration.getLayers() != null) {
            for (Layer layer : configuration.getLayers()) {
                addHash(referenced, layer.sha256());
            }
        }
    }

    private static void addHash(Set<String> referenced, String sha256) {
        if (sha256 != null) {
            CodeDigest.parseHex(sha256).ifPresent(referenced::add);
        }
    }
}
