package dev.klambda.poller.destination;

import java.net.URI;

/** A destination ARN or URL, sorted by how it is reached. */
sealed interface Target {

    record Kafka(String topic) implements Target {
    }

    record Function(String arn) implements Target {
    }

    /** An SQS queue ARN: {@code arn:aws:sqs:<region>:<account>:<name>}. */
    record Sqs(String region, String account, String name) implements Target {
    }

    record Http(URI uri) implements Target {
    }

    static Target of(String destination) {
        if (destination.startsWith("kafka://")) {
            return new Kafka(destination.substring("kafka://".length()));
        }
        if (destination.startsWith("http://") || destination.startsWith("https://")) {
            return new Http(URI.create(destination));
        }
        String[] parts = destination.split(":", 6);
        if (parts.length == 6 && parts[0].equals("arn")) {
            switch (parts[2]) {
                case "lambda":
                    return new Function(destination);
                case "sqs":
                    return new Sqs(parts[3], parts[4], parts[5]);
                default:
                    break;
            }
        }
        throw new UnsupportedDestinationException("klambda delivers to functions, SQS queues, kafka:// topics and"
                + " http(s):// endpoints; it cannot deliver to " + destination);
    }
}
