package dev.klambda.controller.reconcile;

import java.time.Clock;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/** Kubernetes Events for the transitions users should see in {@code kubectl describe}, and the same in the log. */
@Singleton
public class EventRecorder {

    private static final Logger LOG = Logger.getLogger(EventRecorder.class);

    @Inject
    KubernetesClient client;
    @Inject
    Clock clock;

    void normal(HasMetadata resource, String reason, String message) {
        record(resource, "Normal", reason, message);
    }

    void warning(HasMetadata resource, String reason, String message) {
        record(resource, "Warning", reason, message);
    }

    private void record(HasMetadata resource, String type, String reason, String message) {
        String namespace = resource.getMetadata().getNamespace();
        String subject = resource.getKind() + "(" + namespace + "/" + resource.getMetadata().getName() + ")";
        if ("Warning".equals(type)) {
            LOG.warnf("%s %s: %s", subject, reason, message);
        } else {
            LOG.infof("%s %s: %s", subject, reason, message);
        }
        String now = clock.instant().toString();
        try {
            client.v1().events().inNamespace(namespace).resource(new EventBuilder()
                    .withNewMetadata()
                    .withName(resource.getMetadata().getName() + "."
                            + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()))
                    .withNamespace(namespace).endMetadata()
                    .withNewInvolvedObject().withApiVersion(resource.getApiVersion()).withKind(resource.getKind())
                    .withName(resource.getMetadata().getName()).withNamespace(namespace)
                    .withUid(resource.getMetadata().getUid()).endInvolvedObject()
                    .withType(type).withReason(reason).withMessage(message).withCount(1)
                    .withFirstTimestamp(now).withLastTimestamp(now)
                    .withNewSource().withComponent("klambda-controller").endSource()
                    .build()).create();
        } catch (KubernetesClientException e) {
            // An event is a courtesy; failing to write one must not fail the reconciliation.
            LOG.debugf(e, "could not record event %s for %s", reason, subject);
        }
    }
}
