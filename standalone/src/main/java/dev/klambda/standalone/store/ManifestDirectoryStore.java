package dev.klambda.standalone.store;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;

import dev.klambda.core.code.CodeDigest;
import dev.klambda.core.manifest.ManifestReader;
import dev.klambda.core.store.ResourceStore;
import dev.klambda.core.store.ResourceWriteException;
import dev.klambda.core.store.ResourceWriteException.Reason;
import dev.klambda.core.store.ResourceWriter;
import dev.klambda.core.validation.FieldError;
import dev.klambda.core.validation.ManifestValidator;
import dev.klambda.core.validation.Validation;
import dev.klambda.crds.v1alpha1.alias.Alias;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMapping;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMappingSpec;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMappingStatus;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.version.Version;
import dev.klambda.poller.mapping.MappingSecrets;

/**
 * Standalone's resource store: the manifests in a set of directories. Every YAML file is
 * validated as the API server would validate it; an invalid file is reported (file, resource,
 * field, reason) and its last valid content stays loaded, so a typo never takes a function away.
 * The directories are watched and every change is applied without a restart. Versions that name
 * only their function are published during the rescan ({@link VersionFreezer}). Reads see an
 * immutable snapshot and never block.
 */
public final class ManifestDirectoryStore implements ResourceStore, ResourceWriter, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ManifestDirectoryStore.class);
    private static final Set<String> SKIPPED_DIRECTORIES = Set.of("target", "node_modules", "__pycache__");
    private static final long QUIET_PERIOD_MILLIS = 100;

    private final List<Path> roots;
    /** Where resources created through the API are written; null when the store only reads. */
    private final Path writable;
    private final String defaultNamespace;
    private final ManifestValidator validator;
    private final FunctionStatuses statuses;
    private final VersionFreezer freezer;
    private final ManifestReader reader = new ManifestReader();

    private final Object rescanLock = new Object();
    /** Guarded by rescanLock. */
    private Map<Path, LoadedFile> files = new TreeMap<>();
    private volatile Snapshot snapshot = Snapshot.EMPTY;
    /** What the poller last reported of each mapping, by {@link Entry#key}, with the spec it reported on. */
    private final Map<String, ReportedStatus> mappingStatuses = new ConcurrentHashMap<>();

    private record ReportedStatus(EventSourceMappingSpec spec, EventSourceMappingStatus status) {
    }

    private WatchService watchService;
    private Thread watcher;
    private final Set<Path> watched = new HashSet<>();

    /** A resource read from a manifest file, with where it came from. */
    record Entry(HasMetadata resource) {

        String key() {
            return key(resource);
        }

        static String key(HasMetadata resource) {
            return resource.getKind() + "(" + resource.getMetadata().getNamespace() + "/"
                    + resource.getMetadata().getName() + ")";
        }
    }

    /** What a manifest file contributes: its content hash, accepted resources and current problems. */
    record LoadedFile(Path path, String contentHash, Instant modified, List<Entry> entries, List<Problem> problems) {
    }

    /** One namespace's resources, indexed the ways Lambda looks them up. */
    record Namespace(Map<String, Function> functions, Map<String, List<Version>> versions,
            Map<String, List<Alias>> aliases, List<EventSourceMapping> mappings, Map<String, Secret> secrets) {
    }

    /** Everything loaded at one moment. */
    public record Snapshot(Map<String, Namespace> namespaces, List<Problem> problems, Map<String, Path> sources) {

        static final Snapshot EMPTY = new Snapshot(Map.of(), List.of(), Map.of());

        /** How many resources of each kind are loaded, across namespaces. */
        public Map<String, Integer> counts() {
            Map<String, Integer> counts = new LinkedHashMap<>();
            counts.put("Function", namespaces.values().stream().mapToInt(n -> n.functions().size()).sum());
            counts.put("Version", namespaces.values().stream()
                    .mapToInt(n -> n.versions().values().stream().mapToInt(List::size).sum()).sum());
            counts.put("Alias", namespaces.values().stream()
                    .mapToInt(n -> n.aliases().values().stream().mapToInt(List::size).sum()).sum());
            counts.put("EventSourceMapping", namespaces.values().stream().mapToInt(n -> n.mappings().size()).sum());
            return counts;
        }
    }

    public ManifestDirectoryStore(List<Path> roots, String defaultNamespace, ManifestValidator validator,
            FunctionStatuses statuses) {
        this(roots, null, defaultNamespace, validator, statuses, null);
    }

    /**
     * @param writable where resources created through the API go (also read), or null for none
     * @param freezer publishes Versions that name only their function, or null to leave them unpublished
     */
    ManifestDirectoryStore(List<Path> roots, Path writable, String defaultNamespace, ManifestValidator validator,
            FunctionStatuses statuses, VersionFreezer freezer) {
        List<Path> all = new ArrayList<>(roots.stream().map(p -> p.toAbsolutePath().normalize()).toList());
        this.writable = writable == null ? null : writable.toAbsolutePath().normalize();
        if (this.writable != null && !all.contains(this.writable)) {
            all.add(this.writable);
        }
        this.roots = List.copyOf(all);
        this.defaultNamespace = defaultNamespace;
        this.validator = validator;
        this.statuses = statuses;
        this.freezer = freezer;
    }

    /** Loads every manifest now, then watches the directories for changes. */
    public void start() throws IOException {
        if (writable != null) {
            Files.createDirectories(writable);
        }
        for (Path root : roots) {
            if (!Files.isDirectory(root)) {
                LOG.warnf("manifest directory %s does not exist; nothing is loaded from it", root);
            }
        }
        rescan();
        watchService = FileSystems.getDefault().newWatchService();
        registerDirectories();
        watcher = Thread.ofPlatform().daemon().name("klambda-manifest-watcher").start(this::watch);
    }

    @Override
    public void close() throws IOException {
        if (watchService != null) {
            watchService.close();
        }
        if (watcher != null) {
            try {
                watcher.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** What is loaded now. */
    public Snapshot snapshot() {
        return snapshot;
    }

    /** The manifest file a loaded resource came from; relative code and layer paths are relative to it. */
    public Optional<Path> manifestOf(HasMetadata resource) {
        return Optional.ofNullable(snapshot.sources().get(Entry.key(resource)));
    }

    /** The directories of the user's manifests: what this store reads, less its own directory for API-created resources. */
    public List<Path> manifestDirectories() {
        return roots.stream().filter(root -> !root.equals(writable)).toList();
    }

    // ResourceStore

    @Override
    public List<Function> functions(String namespace) {
        Namespace ns = snapshot.namespaces().get(namespace);
        return ns == null ? List.of() : List.copyOf(ns.functions().values());
    }

    @Override
    public Optional<Function> function(String namespace, String functionName) {
        Namespace ns = snapshot.namespaces().get(namespace);
        return ns == null ? Optional.empty() : Optional.ofNullable(ns.functions().get(functionName));
    }

    @Override
    public List<Version> versions(String namespace, String functionName) {
        Namespace ns = snapshot.namespaces().get(namespace);
        return ns == null ? List.of() : ns.versions().getOrDefault(functionName, List.of());
    }

    @Override
    public List<Alias> aliases(String namespace, String functionName) {
        Namespace ns = snapshot.namespaces().get(namespace);
        return ns == null ? List.of() : ns.aliases().getOrDefault(functionName, List.of());
    }

    /**
     * The data of Secret {@code name} in {@code namespace}, as Kubernetes holds it: {@code data}
     * decoded from base64, {@code stringData} as UTF-8 (winning over data, as the API server merges
     * them). Secrets are read from manifests only; the API never shows them.
     */
    public Optional<Map<String, byte[]>> secret(String namespace, String name) {
        Namespace ns = snapshot.namespaces().get(namespace);
        Secret secret = ns == null ? null : ns.secrets().get(name);
        if (secret == null) {
            return Optional.empty();
        }
        return Optional.of(MappingSecrets.data(secret));
    }

    /** A core/v1 Secret from a manifest: a name, and data (base64) or stringData. */
    private Secret secret(JsonNode content) {
        if (!content.path("apiVersion").asText().equals("v1")) {
            throw new IllegalArgumentException("a Secret's apiVersion is v1");
        }
        String name = content.path("metadata").path("name").asText("");
        if (!name.matches("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")) {
            throw new IllegalArgumentException("metadata.name must be a DNS subdomain name: \"" + name + "\"");
        }
        String namespace = content.path("metadata").path("namespace").asText(defaultNamespace);
        Map<String, String> data = new HashMap<>();
        content.path("data").fields().forEachRemaining(field -> {
            try {
                Base64.getDecoder().decode(field.getValue().asText());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("data." + field.getKey() + " is not base64");
            }
            data.put(field.getKey(), field.getValue().asText());
        });
        Map<String, String> stringData = new HashMap<>();
        content.path("stringData").fields()
                .forEachRemaining(field -> stringData.put(field.getKey(), field.getValue().asText()));
        return new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withData(data).withStringData(stringData).build();
    }

    @Override
    public List<EventSourceMapping> eventSourceMappings(String namespace) {
        Namespace ns = snapshot.namespaces().get(namespace);
        if (ns == null) {
            return List.of();
        }
        return mappingStatuses.isEmpty() ? ns.mappings() : ns.mappings().stream().map(this::withStatus).toList();
    }

    /**
     * Keeps what the poller reports of a mapping, as the API server's status subresource would: in
     * memory, never in the user's manifest.
     */
    public void writeStatus(EventSourceMapping mapping, EventSourceMappingStatus status) {
        mappingStatuses.put(Entry.key(mapping), new ReportedStatus(mapping.getSpec(), status));
    }

    /** The mapping is gone: its status goes too. */
    public void forgetStatus(EventSourceMapping mapping) {
        mappingStatuses.remove(Entry.key(mapping));
    }

    private EventSourceMapping withStatus(EventSourceMapping mapping) {
        ReportedStatus reported = mappingStatuses.get(Entry.key(mapping));
        if (reported == null) {
            return mapping;
        }
        EventSourceMappingStatus status = reported.status();
        if (!reported.spec().equals(mapping.getSpec())) {
            // Changed since the poller reported: it is taking the change up (no generations here to compare).
            boolean enabled = !Boolean.FALSE.equals(mapping.getSpec().enabled());
            status = new EventSourceMappingStatus(status.observedGeneration(), status.conditions(), status.uuid(),
                    enabled ? EventSourceMappingStatus.State.Updating : EventSourceMappingStatus.State.Disabled,
                    "USER_INITIATED", status.lastProcessingResult(), status.lastModified(), status.lag());
        }
        EventSourceMapping copy = new EventSourceMapping();
        copy.setMetadata(mapping.getMetadata());
        copy.setSpec(mapping.getSpec());
        copy.setStatus(status);
        return copy;
    }

    // Writing (ResourceWriter): every write validates, writes a file and rescans under the rescan
    // lock, so writes are serialised with each other and with the watcher, and the caller reads them back.

    @Override
    public <T extends HasMetadata> T create(T resource) {
        synchronized (rescanLock) {
            if (writable == null) {
                throw new IllegalStateException("this store has no directory for new resources");
            }
            withNamespace(resource);
            String key = Entry.key(resource);
            if (stored(key) != null) {
                throw new ResourceWriteException(Reason.EXISTS, key + " already exists");
            }
            if (resource instanceof Function function
                    && function(function.getMetadata().getNamespace(), function.functionName()).isPresent()) {
                throw new ResourceWriteException(Reason.EXISTS, "function " + function.functionName() + " already exists");
            }
            String document = checkedDocument(resource, null);
            Path file = writable.resolve(resource.getMetadata().getNamespace())
                    .resolve(resource.getKind().toLowerCase(java.util.Locale.ROOT))
                    .resolve(resource.getMetadata().getName() + ".yaml");
            write(() -> ManifestWriting.writeAtomically(file, document));
            return readBack(resource, file);
        }
    }

    @Override
    public <T extends HasMetadata> T replace(T resource) {
        synchronized (rescanLock) {
            withNamespace(resource);
            String key = Entry.key(resource);
            String document = checkedDocument(resource, current(resource));
            Path file = snapshot.sources().get(key);
            write(() -> ManifestWriting.rewrite(file, content -> sameResource(content, resource), document));
            return readBack(resource, file);
        }
    }

    @Override
    public void delete(HasMetadata resource) {
        synchronized (rescanLock) {
            withNamespace(resource);
            current(resource);
            Path file = snapshot.sources().get(Entry.key(resource));
            write(() -> ManifestWriting.rewrite(file, document -> sameResource(document, resource), null));
        }
    }

    private interface FileWrite {
        void run() throws IOException;
    }

    private void write(FileWrite write) {
        try {
            write.run();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot write the manifest: " + e.getMessage(), e);
        }
        rescan();
    }

    private void withNamespace(HasMetadata resource) {
        if (resource.getMetadata().getNamespace() == null) {
            resource.getMetadata().setNamespace(defaultNamespace);
        }
    }

    /** The stored resource {@code resource} replaces, if its resourceVersion (when given) is still current. */
    private HasMetadata current(HasMetadata resource) {
        String key = Entry.key(resource);
        HasMetadata current = stored(key);
        if (current == null) {
            throw new ResourceWriteException(Reason.GONE, key + " does not exist");
        }
        String expected = resource.getMetadata().getResourceVersion();
        if (expected != null && !expected.equals(current.getMetadata().getResourceVersion())) {
            throw new ResourceWriteException(Reason.CHANGED, key + " changed since it was read");
        }
        return current;
    }

    private HasMetadata stored(String key) {
        return resources(files, snapshot).get(key);
    }

    /**
     * The manifest document of {@code resource}, if the API server would take it (the same check
     * as a file's, against {@code current} for a replacement).
     */
    private String checkedDocument(HasMetadata resource, HasMetadata current) {
        String document = ManifestWriting.document(resource, defaultNamespace);
        JsonNode content;
        try {
            content = reader.read(document).get(0).content();
        } catch (ManifestReader.UnreadableManifestException e) {
            throw new IllegalStateException("a written document always reads back", e);
        }
        List<String> problems = check(content, key -> current).errors().stream().map(FieldError::toString).toList();
        if (!problems.isEmpty()) {
            throw new ResourceWriteException(Reason.INVALID, Entry.key(resource) + " is invalid: "
                    + String.join("; ", problems), problems);
        }
        return document;
    }

    /** The resource as the store now holds it, or the problems that kept the written file from loading. */
    @SuppressWarnings("unchecked")
    private <T extends HasMetadata> T readBack(T resource, Path file) {
        String key = Entry.key(resource);
        String namespace = resource.getMetadata().getNamespace();
        HasMetadata loaded = switch (resource) {
            case Function function -> function(namespace, function.functionName()).orElse(null);
            case Version version -> versions(namespace, version.getSpec().functionName()).stream()
                    .filter(v -> Entry.key(v).equals(key)).findFirst().orElse(null);
            case Alias alias -> aliases(namespace, alias.getSpec().functionName()).stream()
                    .filter(a -> Entry.key(a).equals(key)).findFirst().orElse(null);
            case EventSourceMapping mapping -> eventSourceMappings(namespace).stream()
                    .filter(m -> Entry.key(m).equals(key)).findFirst().orElse(null);
            default -> null;
        };
        if (loaded == null || !file.equals(snapshot.sources().get(key))) {
            List<String> problems = snapshot.problems().stream().filter(p -> file.equals(p.file()))
                    .map(Problem::message).toList();
            throw new ResourceWriteException(Reason.INVALID, key + " was written but not loaded: "
                    + String.join("; ", problems), problems);
        }
        return (T) loaded;
    }

    private boolean sameResource(JsonNode document, HasMetadata resource) {
        JsonNode metadata = document.path("metadata");
        return document.path("kind").asText().equals(resource.getKind())
                && metadata.path("name").asText().equals(resource.getMetadata().getName())
                && metadata.path("namespace").asText(defaultNamespace).equals(resource.getMetadata().getNamespace());
    }

    // Loading

    /** Reads every manifest file again and applies what changed. */
    public void rescan() {
        synchronized (rescanLock) {
            Map<String, HasMetadata> previous = resources(files, snapshot);
            Map<Path, LoadedFile> next = new TreeMap<>();
            for (Path path : manifestFiles()) {
                LoadedFile before = files.get(path);
                next.put(path, load(path, before, previous));
            }
            Snapshot built = build(next);
            report(snapshot, built, previous, resources(next, built));
            files = next;
            snapshot = built;
        }
    }

    private List<Path> manifestFiles() {
        List<Path> found = new ArrayList<>();
        for (Path root : roots) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(root)) {
                walk.filter(p -> !ignored(root, p))
                        .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                        .filter(Files::isRegularFile)
                        .forEach(found::add);
            } catch (IOException | java.io.UncheckedIOException e) {
                LOG.errorf("cannot read manifest directory %s: %s", root, e.getMessage());
            }
        }
        found.sort(Comparator.naturalOrder());
        return found;
    }

    private static boolean ignored(Path root, Path path) {
        for (Path part : root.relativize(path)) {
            String name = part.toString();
            if (name.startsWith(".") || SKIPPED_DIRECTORIES.contains(name)) {
                return true;
            }
        }
        return false;
    }

    private LoadedFile load(Path path, LoadedFile before, Map<String, HasMetadata> previous) {
        String text;
        Instant modified;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
            modified = Files.getLastModifiedTime(path).toInstant();
        } catch (IOException e) {
            return keepPrevious(path, before, null, List.of("cannot be read: " + e.getMessage()));
        }
        String hash = CodeDigest.sha256Hex(text);
        if (before != null && before.contentHash().equals(hash)) {
            return new LoadedFile(path, hash, modified, before.entries(), before.problems());
        }
        List<ManifestReader.Document> documents;
        try {
            documents = reader.read(text);
        } catch (ManifestReader.UnreadableManifestException e) {
            return keepPrevious(path, before, hash, List.of(e.getMessage()));
        }
        List<Entry> entries = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (ManifestReader.Document document : documents) {
            String where = describe(document);
            if (document.content().path("kind").asText().equals("Secret")) {
                try {
                    entries.add(new Entry(secret(document.content())));
                } catch (IllegalArgumentException e) {
                    problems.add(where + ": " + e.getMessage());
                }
                continue;
            }
            Checked checked = check(document.content(), previous::get);
            checked.errors().forEach(error -> problems.add(where + ": " + error));
            if (checked.resource() == null) {
                continue;
            }
            HasMetadata resource = checked.resource();
            resource.getMetadata().setResourceVersion(ManifestWriting.resourceVersion(document.content()));
            resource.getMetadata().setUid(UUID.nameUUIDFromBytes(
                    ("klambda:" + Entry.key(resource)).getBytes(StandardCharsets.UTF_8)).toString());
            entries.add(new Entry(resource));
        }
        if (!problems.isEmpty()) {
            return keepPrevious(path, before, hash, problems);
        }
        return new LoadedFile(path, hash, modified, List.copyOf(entries), List.of());
    }

    /** A document checked: the resource it defines (null when its schema refuses it) and every rule it breaks. */
    private record Checked(HasMetadata resource, List<FieldError> errors) {
    }

    /**
     * Checks one document as the API server would: its schema and rules; for a published Version,
     * its record (the manifest may leave out, not change, what was frozen, even across restarts);
     * and the update rules against the resource {@code previous} holds under its key, if any.
     */
    private Checked check(JsonNode content, java.util.function.Function<String, HasMetadata> previous) {
        Validation validation = validator.validate(withDefaultNamespace(content));
        if (!validation.valid()) {
            return new Checked(null, validation.errors());
        }
        HasMetadata resource = validation.resource();
        Set<FieldError> errors = new LinkedHashSet<>();
        if (freezer != null && resource instanceof Version version) {
            Optional<Version> frozen = freezer.frozen(version);
            if (frozen.isPresent()) {
                resource = VersionFreezer.applied(version, frozen.get());
                errors.addAll(validator.validateUpdate(frozen.get(), resource));
            }
        }
        HasMetadata old = previous.apply(Entry.key(resource));
        if (old != null) {
            errors.addAll(validator.validateUpdate(old, resource));
        }
        return new Checked(resource, List.copyOf(errors));
    }

    /** A file with problems changes nothing: what it defined before stays loaded. */
    private static LoadedFile keepPrevious(Path path, LoadedFile before, String hash, List<String> messages) {
        List<String> all = new ArrayList<>(messages);
        if (before != null && !before.entries().isEmpty()) {
            all.add("the file's previous content stays loaded until it is fixed");
        }
        List<Problem> problems = all.stream().map(m -> new Problem(path, m)).toList();
        return new LoadedFile(path, hash, before == null ? Instant.EPOCH : before.modified(),
                before == null ? List.of() : before.entries(), problems);
    }

    private JsonNode withDefaultNamespace(JsonNode document) {
        JsonNode metadata = document.path("metadata");
        if (metadata.isObject() && !metadata.has("namespace")) {
            JsonNode copy = document.deepCopy();
            ((com.fasterxml.jackson.databind.node.ObjectNode) copy.get("metadata")).put("namespace", defaultNamespace);
            return copy;
        }
        return document;
    }

    private static String describe(ManifestReader.Document document) {
        JsonNode content = document.content();
        String kind = content.path("kind").asText("resource");
        String name = content.path("metadata").path("name").asText("");
        return kind + (name.isEmpty() ? "" : " \"" + name + "\"") + " (line " + document.line() + ")";
    }

    private Snapshot build(Map<Path, LoadedFile> loaded) {
        Map<String, Path> sources = new LinkedHashMap<>();
        Map<String, Map<String, Function>> functions = new TreeMap<>();
        Map<String, Map<String, List<Version>>> versions = new TreeMap<>();
        Map<String, Map<String, List<Alias>>> aliases = new TreeMap<>();
        Map<String, List<EventSourceMapping>> mappings = new TreeMap<>();
        Map<String, Map<String, Secret>> secrets = new TreeMap<>();
        List<Problem> problems = new ArrayList<>();
        Map<String, Path> functionNames = new HashMap<>();

        // What was loaded before keeps its place: a new file that clashes with it is the one reported.
        Map<String, Path> incumbents = snapshot.sources();
        List<Map.Entry<LoadedFile, Entry>> ordered = new ArrayList<>();
        for (LoadedFile file : loaded.values()) {
            problems.addAll(file.problems());
            file.entries().forEach(entry -> ordered.add(Map.entry(file, entry)));
        }
        ordered.sort(Comparator.comparing(
                (Map.Entry<LoadedFile, Entry> e) -> !e.getKey().path().equals(incumbents.get(e.getValue().key()))));
        for (Map.Entry<LoadedFile, Entry> item : ordered) {
            LoadedFile file = item.getKey();
            Entry entry = item.getValue();
            HasMetadata resource = entry.resource();
            String namespace = resource.getMetadata().getNamespace();
            Path first = sources.putIfAbsent(entry.key(), file.path());
            if (first != null) {
                problems.add(new Problem(file.path(), entry.key() + " is already defined in " + display(first)
                        + "; this definition is ignored"));
                continue;
            }
            switch (resource) {
                case Function function -> {
                    String lambdaName = namespace + "/" + function.functionName();
                    Path clash = functionNames.putIfAbsent(lambdaName, file.path());
                    if (clash != null) {
                        problems.add(new Problem(file.path(), entry.key() + ": function name "
                                + function.functionName() + " is already used by a Function in " + display(clash)));
                        sources.remove(entry.key());
                        continue;
                    }
                    functions.computeIfAbsent(namespace, n -> new TreeMap<>())
                            .put(function.functionName(), withStatus(function, file));
                }
                case Version version -> versions.computeIfAbsent(namespace, n -> new TreeMap<>())
                        .computeIfAbsent(version.getSpec().functionName(), f -> new ArrayList<>()).add(version);
                case Alias alias -> aliases.computeIfAbsent(namespace, n -> new TreeMap<>())
                        .computeIfAbsent(alias.getSpec().functionName(), f -> new ArrayList<>()).add(alias);
                case EventSourceMapping mapping -> mappings.computeIfAbsent(namespace, n -> new ArrayList<>())
                        .add(mapping);
                case Secret secret -> secrets.computeIfAbsent(namespace, n -> new TreeMap<>())
                        .put(secret.getMetadata().getName(), secret);
                default -> throw new IllegalStateException("unexpected kind " + resource.getKind());
            }
        }

        if (freezer != null) {
            versions.forEach((namespace, byFunction) -> byFunction.replaceAll((functionName, list) -> {
                Function function = functions.getOrDefault(namespace, Map.of()).get(functionName);
                return freezer.publish(namespace, functionName, list, function,
                        function == null ? null : sources.get(Entry.key(function)),
                        (version, reason) -> problems.add(
                                new Problem(sources.get(Entry.key(version)), Entry.key(version) + ": " + reason)));
            }));
        }

        Set<String> names = new HashSet<>();
        names.addAll(functions.keySet());
        names.addAll(versions.keySet());
        names.addAll(aliases.keySet());
        names.addAll(mappings.keySet());
        names.addAll(secrets.keySet());
        Map<String, Namespace> namespaces = new TreeMap<>();
        for (String name : names) {
            Map<String, List<Version>> byFunction = new TreeMap<>();
            versions.getOrDefault(name, Map.of()).forEach((fn, list) -> byFunction.put(fn, list.stream()
                    .sorted(Comparator.comparing((Version v) -> v.getSpec().version(),
                            Comparator.nullsLast(Comparator.naturalOrder())))
                    .toList()));
            Map<String, List<Alias>> aliasesByFunction = new TreeMap<>();
            aliases.getOrDefault(name, Map.of()).forEach((fn, list) -> aliasesByFunction.put(fn,
                    list.stream().sorted(Comparator.comparing(Alias::aliasName)).toList()));
            List<EventSourceMapping> namespaceMappings = mappings.getOrDefault(name, List.of()).stream()
                    .sorted(Comparator.comparing(m -> m.getMetadata().getName()))
                    .toList();
            namespaces.put(name, new Namespace(
                    Collections.unmodifiableMap(new TreeMap<>(functions.getOrDefault(name, Map.of()))),
                    Collections.unmodifiableMap(byFunction), Collections.unmodifiableMap(aliasesByFunction),
                    namespaceMappings, Map.copyOf(secrets.getOrDefault(name, Map.of()))));
        }
        return new Snapshot(Collections.unmodifiableMap(namespaces), List.copyOf(problems),
                Collections.unmodifiableMap(sources));
    }

    /** A copy of {@code function} carrying the status its code gives it; snapshots never share mutable state. */
    private Function withStatus(Function function, LoadedFile file) {
        Function copy = new Function();
        copy.setMetadata(function.getMetadata());
        copy.setSpec(function.getSpec());
        copy.setStatus(statuses.statusOf(function, file.path(), file.modified()));
        return copy;
    }

    private void report(Snapshot before, Snapshot after, Map<String, HasMetadata> resourcesBefore,
            Map<String, HasMetadata> resourcesAfter) {
        for (Problem problem : after.problems()) {
            if (!before.problems().contains(problem)) {
                LOG.errorf("%s: %s", display(problem.file()), problem.message());
            }
        }
        for (Map.Entry<String, Path> source : after.sources().entrySet()) {
            HasMetadata old = resourcesBefore.get(source.getKey());
            HasMetadata now = resourcesAfter.get(source.getKey());
            if (old == null) {
                LOG.infof("%s loaded from %s", source.getKey(), display(source.getValue()));
            } else if (now != old && !Objects.equals(specOf(old), specOf(now))) {
                LOG.infof("%s changed in %s", source.getKey(), display(source.getValue()));
            }
        }
        for (String key : before.sources().keySet()) {
            if (!after.sources().containsKey(key)) {
                LOG.infof("%s removed", key);
            }
        }
    }

    /** The resources {@code snapshot} holds, by key: of two definitions of one resource, the one it kept. */
    private static Map<String, HasMetadata> resources(Map<Path, LoadedFile> files, Snapshot snapshot) {
        Map<String, HasMetadata> resources = new HashMap<>();
        for (LoadedFile file : files.values()) {
            for (Entry entry : file.entries()) {
                if (file.path().equals(snapshot.sources().get(entry.key()))) {
                    resources.put(entry.key(), entry.resource());
                }
            }
        }
        return resources;
    }

    private static Object specOf(HasMetadata resource) {
        return resource instanceof io.fabric8.kubernetes.client.CustomResource<?, ?> custom ? custom.getSpec() : resource;
    }

    /** A path as users want to read it: relative to the manifest directory it is in. */
    public String display(Path path) {
        for (Path root : roots) {
            if (path.startsWith(root)) {
                Path parent = root.getParent();
                return (parent == null ? root : parent.relativize(path)).toString();
            }
        }
        return path.toString();
    }

    // Watching

    private void watch() {
        try {
            while (true) {
                WatchKey key = watchService.take();
                drain(key);
                // Editors and builds write in bursts: apply once things are quiet.
                while ((key = watchService.poll(QUIET_PERIOD_MILLIS, TimeUnit.MILLISECONDS)) != null) {
                    drain(key);
                }
                registerDirectories();
                try {
                    rescan();
                } catch (RuntimeException e) {
                    LOG.error("applying manifest changes failed; the previous state stays loaded", e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ClosedWatchServiceException e) {
            // closed: the application is stopping
        }
    }

    private void drain(WatchKey key) {
        key.pollEvents();
        if (!key.reset()) {
            watched.remove((Path) key.watchable());
        }
    }

    private void registerDirectories() {
        for (Path root : roots) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(root)) {
                for (Path dir : walk.filter(Files::isDirectory).filter(d -> !ignored(root, d)).toList()) {
                    if (watched.add(dir)) {
                        dir.register(watchService, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY);
                    }
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                LOG.warnf("cannot watch %s: %s", root, e.getMessage());
            }
        }
    }
}
