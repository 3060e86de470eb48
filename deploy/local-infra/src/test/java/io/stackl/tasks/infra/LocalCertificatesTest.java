package io.stackl.tasks.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The certificates the local Kafka's TLS listeners and the tests' clients use: a chain a standard PKIX validator
 * accepts, the names and usages TLS checks, and keys only the owner can read. That they work against a real broker is
 * proven in e2e-tests ({@code KafkaTaskProducerE2ETest}, {@code Suite}).
 */
class LocalCertificatesTest {

    @TempDir
    Path dir;

    @Test
    void shouldMakeAServerAndAClientCertificateThatTheCaVouchesFor() throws Exception {
        LocalCertificates certificates = LocalCertificates.in(dir);
        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        X509Certificate ca = (X509Certificate) x509.generateCertificate(
                new ByteArrayInputStream(Files.readAllBytes(certificates.caPem())));
        assertThat(ca.getBasicConstraints()).as("a CA").isGreaterThanOrEqualTo(0);
        assertThat(ca.getKeyUsage()[5]).as("keyCertSign").isTrue();

        KeyStore server = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(certificates.serverKeystore())) {
            server.load(in, certificates.password().toCharArray());
        }
        assertThat(server.getKey("server", certificates.password().toCharArray())).isNotNull();
        assertThat(server.getCertificateChain("server")).as("the server's certificate, then the CA's").hasSize(2);
        X509Certificate serverCert = (X509Certificate) server.getCertificateChain("server")[0];
        assertThat(server.getCertificateChain("server")[1]).isEqualTo(ca);
        assertThat(serverCert.getSubjectAlternativeNames()).extracting(name -> (Object) name.get(1))
                .containsExactlyInAnyOrder("127.0.0.1", "localhost");
        assertThat(serverCert.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1"); // serverAuth
        assertThat(serverCert.getBasicConstraints()).as("not a CA").isEqualTo(-1);
        validate(x509, ca, serverCert);

        String clientPem = Files.readString(certificates.clientPem());
        assertThat(clientPem).startsWith("-----BEGIN PRIVATE KEY-----");
        X509Certificate clientCert = (X509Certificate) x509.generateCertificates(new ByteArrayInputStream(
                clientPem.substring(clientPem.indexOf("-----BEGIN CERTIFICATE-----")).getBytes())).iterator().next();
        assertThat(clientCert.getSubjectX500Principal().getName()).isEqualTo("CN=" + LocalCertificates.CLIENT);
        assertThat(clientCert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2"); // clientAuth
        validate(x509, ca, clientCert);
        for (X509Certificate certificate : List.of(ca, serverCert, clientCert)) {
            // Subject and authority key identifiers: strict verifiers (OpenSSL's strict mode) want both.
            assertThat(certificate.getExtensionValue("2.5.29.14")).as("SKI").isNotNull();
            assertThat(certificate.getExtensionValue("2.5.29.35")).as("AKI").isNotNull();
        }

        for (Path secret : List.of(certificates.clientPem(), certificates.serverKeystore(), dir.resolve("keystore-password"))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret))).as(secret.toString())
                    .isEqualTo("rw-------");
        }
    }

    @Test
    void shouldKeepTheCertificatesOfAFolderAcrossStarts() throws Exception {
        LocalCertificates first = LocalCertificates.in(dir);
        byte[] ca = Files.readAllBytes(first.caPem());
        String password = first.password();

        LocalCertificates again = LocalCertificates.in(dir);

        assertThat(Files.readAllBytes(again.caPem())).isEqualTo(ca);
        assertThat(again.password()).isEqualTo(password);
    }

    @Test
    void shouldDeleteTheKeytoolVersionsCaKeyStoreFromAFolderItKeeps() throws Exception {
        LocalCertificates.in(dir);
        Path oldCaKeys = Files.writeString(dir.resolve("ca.p12"), "the CA's key, as keytool kept it");

        LocalCertificates.in(dir);

        assertThat(oldCaKeys).doesNotExist();
    }

    private static void validate(CertificateFactory x509, X509Certificate ca, X509Certificate leaf) throws Exception {
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
        parameters.setRevocationEnabled(false);
        java.security.cert.CertPathValidator.getInstance("PKIX")
                .validate(x509.generateCertPath(List.of(leaf)), parameters);
    }
}
