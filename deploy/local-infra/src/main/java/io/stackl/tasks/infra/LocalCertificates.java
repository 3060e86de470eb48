package io.stackl.tasks.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority of its own and a server certificate it signed for 127.0.0.1 and localhost, made with the
 * JDK's keytool (no OpenSSL needed), once per folder: the local Kafka's TLS listener presents the certificate, and
 * clients trust {@link #caPem()}. For trials and tests on one machine only: the keys and their password are kept in
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
        if (!Files.exists(certificates.serverKeystore()) || !Files.exists(certificates.caPem())) {
            certificates.make();
        }
        return certificates;
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
            for (String stale : List.of("ca.p12", "ca.pem", "server.p12", "server.csr", "server.pem")) {
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
        } catch (IOException e) {
            throw new InfrastructureException("could not make certificates in " + dir + ": " + e.getMessage(), e);
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
