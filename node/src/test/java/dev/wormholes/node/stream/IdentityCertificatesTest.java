package dev.wormholes.node.stream;

import static dev.wormholes.node.stream.StreamTestSupport.newIdentity;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.wormholes.node.stream.IdentityCertificates.CertifiedKey;
import dev.wormholes.node.stream.IdentityCertificates.Reason;
import dev.wormholes.node.stream.IdentityCertificates.Rejected;
import dev.wormholes.node.stream.IdentityCertificates.Verification;
import dev.wormholes.node.stream.IdentityCertificates.Verified;
import dev.wormholes.proto.Identity;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.SplittableRandom;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/** The certificate that binds an ephemeral TLS key to a node's Ed25519 identity. */
class IdentityCertificatesTest {
  private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
  private static final Instant FROM = NOW.minus(Duration.ofHours(1));
  private static final Instant UNTIL = NOW.plus(Duration.ofDays(1));

  private static Verification verify(X509Certificate c) {
    return IdentityCertificates.verify(new X509Certificate[] {c}, NOW);
  }

  private static Reason reasonOf(Verification v) {
    return assertInstanceOf(Rejected.class, v).reason();
  }

  @Test
  void validCertificateVerifiesToTheSignersNodeId() {
    SplittableRandom seeds = new SplittableRandom(20261123L);
    for (int i = 0; i < 20; i++) { // seeded loop: many identities, each proves its own id
      byte[] seed = new byte[Identity.SEED_BYTES];
      seeds.nextBytes(seed);
      Identity id = Identity.fromSeed(seed);
      CertifiedKey ck = IdentityCertificates.create(id, FROM, UNTIL);
      Verified v = assertInstanceOf(Verified.class, verify(ck.certificate()), "seed #" + i);
      assertEquals(id.id(), v.nodeId());
      assertArrayEquals(id.publicKey(), v.identityKey());
    }
  }

  @Test
  void extensionSignedByAnotherKeyIsRejected() {
    Identity alice = newIdentity();
    Identity mallory = newIdentity();
    KeyPair kp = IdentityCertificates.newCertificateKeyPair();
    byte[] spki = kp.getPublic().getEncoded();
    // Claims Alice's key, but Mallory made the signature.
    byte[] ext = IdentityCertificates.signedIdentityKey(alice.publicKey(),
        mallory.sign(IdentityCertificates.DOMAIN, spki));
    assertEquals(Reason.IDENTITY_SIGNATURE,
        reasonOf(verify(IdentityCertificates.selfSign(kp, ext, FROM, UNTIL))));
  }

  @Test
  void extensionCopiedOntoAnotherCertificateKeyIsRejected() {
    // Mallory replays Alice's extension (signed over Alice's SPKI) in a certificate of her key.
    Identity alice = newIdentity();
    KeyPair alicesTlsKey = IdentityCertificates.newCertificateKeyPair();
    byte[] ext = IdentityCertificates.signedIdentityKey(alice.publicKey(),
        alice.sign(IdentityCertificates.DOMAIN, alicesTlsKey.getPublic().getEncoded()));
    KeyPair mallorysTlsKey = IdentityCertificates.newCertificateKeyPair();
    assertEquals(Reason.IDENTITY_SIGNATURE,
        reasonOf(verify(IdentityCertificates.selfSign(mallorysTlsKey, ext, FROM, UNTIL))));
  }

  @Test
  void domainSeparationMatters() {
    Identity alice = newIdentity();
    KeyPair kp = IdentityCertificates.newCertificateKeyPair();
    byte[] ext = IdentityCertificates.signedIdentityKey(alice.publicKey(),
        alice.sign(new byte[0], kp.getPublic().getEncoded()));
    assertEquals(Reason.IDENTITY_SIGNATURE,
        reasonOf(verify(IdentityCertificates.selfSign(kp, ext, FROM, UNTIL))));
  }

  @Test
  void certificateWhoseSubjectKeyDidNotSignItIsRejected() throws Exception {
    Identity alice = newIdentity();
    KeyPair subject = IdentityCertificates.newCertificateKeyPair();
    KeyPair signer = IdentityCertificates.newCertificateKeyPair();
    byte[] ext = IdentityCertificates.signedIdentityKey(alice.publicKey(),
        alice.sign(IdentityCertificates.DOMAIN, subject.getPublic().getEncoded()));
    X500Name n = new X500Name("CN=wormholes");
    X509Certificate c = new JcaX509CertificateConverter().getCertificate(
        new JcaX509v3CertificateBuilder(n, BigInteger.ONE, Date.from(FROM), Date.from(UNTIL), n,
            subject.getPublic())
            .addExtension(IdentityCertificates.EXTENSION_OID, false, ASN1Primitive.fromByteArray(ext))
            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    assertEquals(Reason.SELF_SIGNATURE, reasonOf(verify(c)));
  }

  @Test
  void missingExtensionIsRejected() {
    KeyPair kp = IdentityCertificates.newCertificateKeyPair();
    assertEquals(Reason.MISSING_EXTENSION,
        reasonOf(verify(IdentityCertificates.selfSign(kp, null, FROM, UNTIL))));
  }

  @Test
  void malformedExtensionsAreRejected() {
    KeyPair kp = IdentityCertificates.newCertificateKeyPair();
    byte[][] bad = {
        IdentityCertificates.signedIdentityKey(new byte[31], new byte[64]),
        IdentityCertificates.signedIdentityKey(new byte[32], new byte[63]),
        {0x04, 0x02, 0x01, 0x02}, // an OCTET STRING, not a SEQUENCE
        {0x30, 0x03, 0x04, 0x01, 0x00}, // a SEQUENCE of one
    };
    for (byte[] ext : bad) {
      assertEquals(Reason.MALFORMED_EXTENSION,
          reasonOf(verify(IdentityCertificates.selfSign(kp, ext, FROM, UNTIL))));
    }
  }

  @Test
  void expiredAndNotYetValidCertificatesAreRejected() {
    Identity alice = newIdentity();
    CertifiedKey expired = IdentityCertificates.create(alice,
        NOW.minus(Duration.ofDays(2)), NOW.minus(Duration.ofDays(1)));
    assertEquals(Reason.NOT_VALID_NOW, reasonOf(verify(expired.certificate())));
    CertifiedKey future = IdentityCertificates.create(alice,
        NOW.plus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(2)));
    assertEquals(Reason.NOT_VALID_NOW, reasonOf(verify(future.certificate())));
  }

  @Test
  void chainsOfOtherShapesAndKeyTypesAreRejected() throws Exception {
    CertifiedKey ck = IdentityCertificates.create(newIdentity(), FROM, UNTIL);
    assertEquals(Reason.CHAIN_SHAPE,
        reasonOf(IdentityCertificates.verify(new X509Certificate[0], NOW)));
    assertEquals(Reason.CHAIN_SHAPE, reasonOf(IdentityCertificates.verify(null, NOW)));
    assertEquals(Reason.CHAIN_SHAPE, reasonOf(IdentityCertificates.verify(
        new X509Certificate[] {ck.certificate(), ck.certificate()}, NOW)));

    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp384r1"));
    KeyPair p384 = g.generateKeyPair();
    Identity alice = newIdentity();
    byte[] ext = IdentityCertificates.signedIdentityKey(alice.publicKey(),
        alice.sign(IdentityCertificates.DOMAIN, p384.getPublic().getEncoded()));
    assertEquals(Reason.KEY_TYPE,
        reasonOf(verify(IdentityCertificates.selfSign(p384, ext, FROM, UNTIL))));
  }
}
