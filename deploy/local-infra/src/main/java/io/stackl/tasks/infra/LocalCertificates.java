package io.stackl.tasks.infra;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority of its own, a server certificate it signed for 127.0.0.1 and localhost, and a client
 * certificate for mutual TLS, made in this JVM with Bouncy Castle (no OpenSSL or keytool needed), once per folder:
 * the local Kafka's TLS listeners present the server certificate, clients trust {@link #caPem()}. For trials and tests
 * on one machine only: the keys and their password are kept in that folder.
 */
final class LocalCertificates {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration VALIDITY = Duration.ofDays(3650);
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private final Path dir;

    private LocalCertificates(Path dir) {
        this.dir = dir;
    }

    /** The certificates in {@code dir}, made there first if they are not there yet. */
    static LocalCertificates in(Path dir) {
        LocalCertificates certificates = new LocalCertificates(dir);
        certificates.deleteKeytoolLeftovers();
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

    /**
     * What earlier versions made with keytool and this one does not use. {@code ca.p12} held the CA's private key,
     * readable by all and kept in a folder that a local run reuses: it must not outlive the version that needed it.
     */
    private void deleteKeytoolLeftovers() {
        try {
            for (String leftover : List.of("ca.p12", "server.csr", "server.pem", "client.p12", "client.csr",
                    "client-cert.pem", "keytool.log")) {
                Files.deleteIfExists(dir.resolve(leftover));
            }
        } catch (IOException e) {
            throw new InfrastructureException("could not delete old certificate files in " + dir + ": " + e.getMessage(),
                    e);
        }
    }

    private void make() {
        try {
            Files.createDirectories(dir);
            for (String earlier : List.of("ca.pem", "server.p12", "client.pem")) {
                Files.deleteIfExists(dir.resolve(earlier));
            }
            byte[] secret = new byte[24];
            RANDOM.nextBytes(secret);
            String password = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
            writePrivate(dir.resolve("keystore-password"), password);

            // In this JVM with Bouncy Castle: keytool took ten JVM starts, ~8 s of every test module's start-up.
            // The CA's key lives only in this method: nothing can sign with it after the three certificates are made.
            KeyPair caKeys = newKeyPair();
            X500Name caName = new X500Name("CN=Stackl Tasks local CA");
            Instant now = Instant.now();
            X509Certificate ca = sign(now, caName, caKeys, caName, caKeys.getPublic(), builder -> {
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            });
            Files.writeString(caPem(), pem("CERTIFICATE", ca.getEncoded()));

            KeyPair serverKeys = newKeyPair();
            X509Certificate server = sign(now, caName, caKeys, new X500Name("CN=127.0.0.1"), serverKeys.getPublic(),
                    builder -> {
                        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                            new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                            new GeneralName(GeneralName.dNSName, "localhost")}));
                        builder.addExtension(Extension.keyUsage, true,
                                new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
                        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                                new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
                    });
            KeyStore serverStore = KeyStore.getInstance("PKCS12");
            serverStore.load(null, null);
            serverStore.setKeyEntry("server", serverKeys.getPrivate(), password.toCharArray(),
                    new Certificate[] {server, ca});
            Files.createFile(serverKeystore(), OWNER_ONLY);
            try (OutputStream out = Files.newOutputStream(serverKeystore())) {
                serverStore.store(out, password.toCharArray());
            }

            KeyPair clientKeys = newKeyPair();
            X509Certificate client = sign(now, caName, caKeys, new X500Name("CN=" + CLIENT), clientKeys.getPublic(),
                    builder -> {
                        builder.addExtension(Extension.keyUsage, true,
                                new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
                        builder.addExtension(Extension.extendedKeyUsage, false,
                                new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
                    });
            // The client's key as PKCS#8, then its chain: the one file clients take for mutual TLS.
            writePrivate(clientPem(), pem("PRIVATE KEY", clientKeys.getPrivate().getEncoded())
                    + pem("CERTIFICATE", client.getEncoded()) + pem("CERTIFICATE", ca.getEncoded()));
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new InfrastructureException("could not make certificates in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Extensions of one certificate; Bouncy Castle's {@code addExtension} throws a checked exception. */
    private interface Extensions {
        void addTo(X509v3CertificateBuilder builder) throws IOException;
    }

    private static X509Certificate sign(Instant now, X500Name issuer, KeyPair issuerKeys, X500Name subject,
            PublicKey subjectKey, Extensions extensions)
            throws IOException, GeneralSecurityException, OperatorCreationException {
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, new BigInteger(127, RANDOM),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), subject, subjectKey);
        // Key identifiers, as keytool wrote them: strict verifiers (OpenSSL's X509_V_FLAG_X509_STRICT, which Python's
        // default TLS context sets since 3.13) refuse a chain without them.
        JcaX509ExtensionUtils ids = new JcaX509ExtensionUtils();
        builder.addExtension(Extension.subjectKeyIdentifier, false, ids.createSubjectKeyIdentifier(subjectKey));
        builder.addExtension(Extension.authorityKeyIdentifier, false,
                ids.createAuthorityKeyIdentifier(issuerKeys.getPublic()));
        extensions.addTo(builder);
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withRSA").build(issuerKeys.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048, RANDOM);
        return generator.generateKeyPair();
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void writePrivate(Path file, String content) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, OWNER_ONLY);
        Files.writeString(file, content);
    }
}
