package dev.wormholes.node.stream;

import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * TLS certificates that prove a node id: the libp2p-TLS pattern (self-signed Ed25519 certificates fail in
 * BoringSSL without extra signature-algorithm options).
 *
 * <p>Each endpoint makes an ephemeral ECDSA P-256 key pair and a self-signed X.509 certificate for
 * it (BoringSSL handles P-256 out of the box; Ed25519 certificates needed extra options). The
 * certificate carries one non-critical extension, {@link #EXTENSION_OID}, whose value is the DER
 * of
 *
 * <pre>
 *   SignedIdentityKey ::= SEQUENCE {
 *     identityKey  OCTET STRING,  -- the node's 32-byte Ed25519 public key
 *     signature    OCTET STRING } -- 64-byte Ed25519 signature by identityKey of
 *                                 -- DOMAIN || DER(SubjectPublicKeyInfo of the certificate)
 * </pre>
 *
 * <p>The OID lives under the ITU-T X.667 UUID arc {@code 2.25} (no registration needed; UUID
 * ecfcd5de-25ac-4c40-be56-bc3d6e0d0b64 was drawn for Wormholes). {@link #verify} checks a peer's
 * chain and returns the node id it proves, or a typed rejection; it never throws on peer input.
 */
public final class IdentityCertificates {
  /** The extension carrying the identity key and its signature over the certificate key. */
  public static final ASN1ObjectIdentifier EXTENSION_OID =
      new ASN1ObjectIdentifier("2.25.315010603567147819238694557090948385636");

  /** Domain separation prefix of the signed message. */
  static final byte[] DOMAIN = "wormholes-tls-identity-v1:".getBytes(StandardCharsets.US_ASCII);

  /** Upper bound on the extension's DER size: two short octet strings and their headers. */
  private static final int MAX_EXTENSION_BYTES = 128;

  private IdentityCertificates() {}

  /** A certificate and the private key of its (ephemeral) certificate key pair. */
  public record CertifiedKey(KeyPair keyPair, X509Certificate certificate) {}

  /**
   * Return a new P-256 key pair and a self-signed certificate for it, valid from {@code notBefore}
   * to {@code notAfter}, carrying {@code identity}'s signature over its key.
   */
  public static CertifiedKey create(Identity identity, Instant notBefore, Instant notAfter) {
    KeyPair kp = newCertificateKeyPair();
    byte[] spki = kp.getPublic().getEncoded();
    byte[] ext = signedIdentityKey(identity.publicKey(), identity.sign(DOMAIN, spki));
    return new CertifiedKey(kp, selfSign(kp, ext, notBefore, notAfter));
  }

  /** Return a fresh ECDSA P-256 key pair. */
  static KeyPair newCertificateKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK 17 has P-256", e);
    }
  }

  /** Return the DER of a SignedIdentityKey (package-private so tests can forge bad ones). */
  static byte[] signedIdentityKey(byte[] identityKey, byte[] signature) {
    try {
      return new DERSequence(new ASN1Encodable[] {
          new DEROctetString(identityKey), new DEROctetString(signature)}).getEncoded();
    } catch (IOException e) {
      throw new IllegalStateException("DER encoding into memory cannot fail", e);
    }
  }

  /** Return a certificate of {@code kp}'s public key, self-signed, with extension {@code ext}. */
  static X509Certificate selfSign(KeyPair kp, byte[] ext, Instant notBefore, Instant notAfter) {
    X500Name name = new X500Name("CN=wormholes");
    BigInteger serial = new BigInteger(64, new SecureRandom());
    try {
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial,
          Date.from(notBefore), Date.from(notAfter), name, kp.getPublic());
      if (ext != null) {
        b.addExtension(EXTENSION_OID, false, ASN1Primitive.fromByteArray(ext));
      }
      return new JcaX509CertificateConverter().getCertificate(
          b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
    } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("building a self-signed certificate failed", e);
    }
  }

  /** Why a peer's certificate chain was rejected. */
  public enum Reason {
    /** No certificate, or more than one (we only accept one self-signed certificate). */
    CHAIN_SHAPE,
    /** The certificate key is not ECDSA P-256. */
    KEY_TYPE,
    /** The certificate's own signature does not verify with its key. */
    SELF_SIGNATURE,
    /** Outside the certificate's validity window. */
    NOT_VALID_NOW,
    /** The identity extension is absent. */
    MISSING_EXTENSION,
    /** The identity extension does not parse as a SignedIdentityKey. */
    MALFORMED_EXTENSION,
    /** The identity key's signature over the certificate key does not verify. */
    IDENTITY_SIGNATURE,
    /** The chain proves an id other than the one pinned for this connection. */
    UNEXPECTED_NODE_ID
  }

  /** The outcome of checking a peer's chain: a proven node id or a rejection. */
  public sealed interface Verification permits Verified, Rejected {}

  /** The chain proves ownership of {@code identityKey}, whose id is {@code nodeId}. */
  public record Verified(NodeId nodeId, byte[] identityKey) implements Verification {}

  /** The chain proves nothing, for {@code reason}; {@code detail} is for logs. */
  public record Rejected(Reason reason, String detail) implements Verification {}

  /** Check {@code chain} as of {@code now} and return the node id it proves or why not. */
  public static Verification verify(X509Certificate[] chain, Instant now) {
    if (chain == null || chain.length != 1 || chain[0] == null) {
      return new Rejected(Reason.CHAIN_SHAPE, "expected exactly one certificate");
    }
    X509Certificate cert = chain[0];
    PublicKey key = cert.getPublicKey();
    if (!(key instanceof ECPublicKey) || ((ECPublicKey) key).getParams().getCurve().getField()
        .getFieldSize() != 256) {
      return new Rejected(Reason.KEY_TYPE, "certificate key is " + key.getAlgorithm());
    }
    try {
      cert.verify(key);
    } catch (GeneralSecurityException | RuntimeException e) {
      return new Rejected(Reason.SELF_SIGNATURE, String.valueOf(e.getMessage()));
    }
    try {
      cert.checkValidity(Date.from(now));
    } catch (CertificateExpiredException | CertificateNotYetValidException e) {
      return new Rejected(Reason.NOT_VALID_NOW, String.valueOf(e.getMessage()));
    }
    return verifyExtension(cert.getExtensionValue(EXTENSION_OID.getId()), key.getEncoded());
  }

  private static Verification verifyExtension(byte[] wrapped, byte[] spki) {
    if (wrapped == null) {
      return new Rejected(Reason.MISSING_EXTENSION, "no " + EXTENSION_OID.getId());
    }
    byte[] identityKey;
    byte[] signature;
    try {
      if (wrapped.length > MAX_EXTENSION_BYTES + 4) {
        return new Rejected(Reason.MALFORMED_EXTENSION, "extension too large");
      }
      // getExtensionValue returns the extnValue OCTET STRING; its content is our SEQUENCE.
      byte[] der = ASN1OctetString.getInstance(wrapped).getOctets();
      ASN1Sequence seq = ASN1Sequence.getInstance(der);
      if (seq.size() != 2) {
        return new Rejected(Reason.MALFORMED_EXTENSION, "SEQUENCE of " + seq.size());
      }
      identityKey = ASN1OctetString.getInstance(seq.getObjectAt(0)).getOctets();
      signature = ASN1OctetString.getInstance(seq.getObjectAt(1)).getOctets();
    } catch (RuntimeException e) {
      return new Rejected(Reason.MALFORMED_EXTENSION, String.valueOf(e.getMessage()));
    }
    if (identityKey.length != Identity.PUBLIC_KEY_BYTES
        || signature.length != Identity.SIGNATURE_BYTES) {
      return new Rejected(Reason.MALFORMED_EXTENSION, "bad key or signature length");
    }
    if (!Identity.verify(identityKey, DOMAIN, spki, signature)) {
      return new Rejected(Reason.IDENTITY_SIGNATURE, "identity key did not sign this certificate");
    }
    return new Verified(Identity.idOf(identityKey), identityKey);
  }
}
