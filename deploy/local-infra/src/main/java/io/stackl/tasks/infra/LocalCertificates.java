package io.stackl.tasks.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority of its own, a server certificate it signed for 127.0.0.1 and localhost, and a client
 * certificate for mutual TLS, made with the JDK's keytool (no OpenSSL needed), once per folder: the local Kafka's TLS
 * listeners present the server certificate, clients trust {@link #caPem()}. For trials and tests on one machine only: the keys and their password are kept in
 * that folder.
 */
final class LocalCertificates {

    private final Path dir;

    private LocalCertificates(Path dir) {
        this.dir = dir;
    }

    /** The certificates in {@code dir}, made there first if they are not there yet. */
    static LocalCertificates in(Path dir) {
        LocalCertificates certificates = new LocalCertificates(dir);
        if (!Files.exists(certificates.serverKeystore()) || !Files.exists(certificates.caPem())
                || !Files.exists(certificates.clientPem())) {
            certificates.make();
        }
        return certificates;
    }

    /** The common name of the client certificate: its Kafka principal is {@code User:CN=stackl-client}. */
    static final String CLIENT = "stackl-client";

    /**
     * A client's private key (PKCS#8) and its certificate chain in one PEM file, as clients take it for mutual TLS
     * ({@code KAFKA_SSL_KEYSTORE_FILE}); signed by the same CA.
     */
    Path clientPem() {
        return dir.resolve("client.pem");
    }

    /** The CA's certificate, PEM: what clients trust. */
    Path caPem() {
        return dir.resolve("ca.pem");
    }

    /** The server's key and certificate chain, PKCS#12, protected by {@link #password()}. */
    Path serverKeystore() {
        return dir.resolve("server.p12");
    }

    String password() {
        try {
            return Files.readString(dir.resolve("keystore-password")).trim();
        } catch (IOException e) {
            throw new InfrastructureException("cannot read the keystore password in " + dir + ": " + e.getMessage(), e);
        }
    }

    private void make() {
        try {
            Files.createDirectories(dir);
            for (String stale : List.of("ca.p12", "ca.pem", "server.p12", "server.csr", "server.pem", "client.p12",
                    "client.csr", "client-cert.pem", "client.pem")) {
                Files.deleteIfExists(dir.resolve(stale));
            }
            byte[] secret = new byte[24];
            new SecureRandom().nextBytes(secret);
            String password = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
            Files.writeString(dir.resolve("keystore-password"), password);
            Files.setPosixFilePermissions(dir.resolve("keystore-password"), PosixFilePermissions.fromString("rw-------"));
            String ca = dir.resolve("ca.p12").toString();
            String server = serverKeystore().toString();
            keytool("-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-validity", "3650",
                    "-dname", "CN=Stackl Tasks local CA", "-ext", "bc:c", "-keystore", ca, "-storetype", "PKCS12",
                    "-storepass", password);
            keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca, "-storepass", password, "-file",
                    caPem().toString());
            keytool("-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-validity", "3650",
                    "-dname", "CN=127.0.0.1", "-keystore", server, "-storetype", "PKCS12", "-storepass", password);
            keytool("-certreq", "-alias", "server", "-keystore", server, "-storepass", password, "-file",
                    dir.resolve("server.csr").toString());
            keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", ca, "-storepass", password, "-validity", "3650",
                    "-infile", dir.resolve("server.csr").toString(), "-outfile", dir.resolve("server.pem").toString(),
                    "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-ext", "KU=digitalSignature,keyEncipherment",
                    "-ext", "EKU=serverAuth,clientAuth");
            keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem().toString(), "-keystore", server,
                    "-storepass", password);
            keytool("-importcert", "-noprompt", "-alias", "server", "-file", dir.resolve("server.pem").toString(),
                    "-keystore", server, "-storepass", password);
            String client = dir.resolve("client.p12").toString();
            keytool("-genkeypair", "-alias", "client", "-keyalg", "RSA", "-keysize", "2048", "-validity", "3650",
                    "-dname", "CN=" + CLIENT, "-keystore", client, "-storetype", "PKCS12", "-storepass", password);
            keytool("-certreq", "-alias", "client", "-keystore", client, "-storepass", password, "-file",
                    dir.resolve("client.csr").toString());
            keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", ca, "-storepass", password, "-validity", "3650",
                    "-infile", dir.resolve("client.csr").toString(), "-outfile", dir.resolve("client-cert.pem").toString(),
                    "-ext", "KU=digitalSignature,keyEncipherment", "-ext", "EKU=clientAuth");
            writeClientPem(client, password);
        } catch (IOException e) {
            throw new InfrastructureException("could not make certificates in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The client's key, as PKCS#8, followed by its certificate and the CA's: what keytool cannot write itself. */
    private void writeClientPem(String keystore, String password) throws IOException {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (var in = Files.newInputStream(Path.of(keystore))) {
                store.load(in, password.toCharArray());
            }
            Key key = store.getKey("client", password.toCharArray());
            String pem = "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                    + "\n-----END PRIVATE KEY-----\n" + Files.readString(dir.resolve("client-cert.pem")).strip() + "\n"
                    + Files.readString(caPem()).strip() + "\n";
            Files.writeString(clientPem(), pem);
            Files.setPosixFilePermissions(clientPem(), PosixFilePermissions.fromString("rw-------"));
        } catch (GeneralSecurityException e) {
            throw new InfrastructureException("could not write the client's key: " + e.getMessage(), e);
        }
    }

    private void keytool(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Path log = dir.resolve("keytool.log");
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new InfrastructureException("keytool " + args[0] + " failed; see " + log + ":\n"
                        + Files.readString(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InfrastructureException("interrupted while making certificates", e);
        }
    }
}
