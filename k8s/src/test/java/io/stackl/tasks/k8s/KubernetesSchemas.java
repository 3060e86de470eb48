package io.stackl.tasks.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The API of one Kubernetes version, as Kubernetes' own Java client generates it from that version's OpenAPI document:
 * a manifest is read by the model class of its kind, which refuses a field the version does not define, a required
 * field that is missing and a value of the wrong type. The models of each version live in their own jar
 * ({@code target/kubernetes-models/kubernetes-<version>.jar}, copied there by the build) and are loaded in their own
 * class loader, so that two versions can be checked in one run.
 */
final class KubernetesSchemas implements AutoCloseable {

    private static final String MODELS = "io.kubernetes.client.openapi.models.";

    private final String version;
    private final URLClassLoader models;

    private KubernetesSchemas(String version, URLClassLoader models) {
        this.version = version;
        this.models = models;
    }

    static KubernetesSchemas of(String version) {
        Path jar = Path.of("target", "kubernetes-models", "kubernetes-" + version + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: the build copies it (mvn generate-test-resources)");
        }
        try {
            // The parent supplies Gson and gson-fire; io.kubernetes comes only from this version's jar.
            URLClassLoader models = new URLClassLoader(new URL[] {jar.toUri().toURL()},
                    KubernetesSchemas.class.getClassLoader());
            // Older releases build their Gson in JSON's constructor, newer ones statically; either way it exists now.
            models.loadClass("io.kubernetes.client.openapi.JSON").getConstructor().newInstance();
            return new KubernetesSchemas(version, models);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot load the models of Kubernetes " + version, e);
        }
    }

    String version() {
        return version;
    }

    /** Whether this version's API has the manifest's kind: a custom resource (a CRD's kind) has no model here. */
    boolean knows(JsonNode manifest) {
        return modelOf(manifest).isPresent();
    }

    /** Why this version refuses the manifest, or empty when it accepts it. */
    Optional<String> problemWith(JsonNode manifest) {
        Class<?> model = modelOf(manifest).orElseThrow(() -> new IllegalArgumentException(
                "Kubernetes " + version + " has no kind " + manifest.path("apiVersion").asText() + " "
                        + manifest.path("kind").asText()));
        try {
            model.getMethod("fromJson", String.class).invoke(null, manifest.toString());
            return Optional.empty();
        } catch (InvocationTargetException e) {
            return Optional.of(String.valueOf(e.getCause().getMessage()));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code apps/v1} {@code Deployment} is {@code V1Deployment}; {@code autoscaling/v2} HPA is {@code V2Horizontal...}. */
    private Optional<Class<?>> modelOf(JsonNode manifest) {
        String apiVersion = manifest.path("apiVersion").asText();
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        String groupVersion = apiVersion.substring(apiVersion.indexOf('/') + 1);
        if (group.contains(".") && !group.endsWith(".k8s.io")) {
            return Optional.empty(); // a custom resource, e.g. monitoring.coreos.com
        }
        String name = MODELS + Character.toUpperCase(groupVersion.charAt(0)) + groupVersion.substring(1)
                + manifest.path("kind").asText();
        try {
            return Optional.of(models.loadClass(name));
        } catch (ClassNotFoundException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() throws IOException {
        models.close();
    }
}
