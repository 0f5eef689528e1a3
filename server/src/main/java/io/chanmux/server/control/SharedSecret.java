package io.chanmux.server.control;

import io.chanmux.server.base.ConstantTime;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks the credentials a {@code hello} presents when the server has {@code --secret}: either the
 * secret itself, or a time-limited credential in the style of TURN's REST API — {@code user} is
 * {@code name:expiry} (expiry in Unix seconds) and {@code auth} is the Base64 HMAC-SHA256 of
 * {@code user} keyed with the secret, so an application server can mint credentials without
 * handing out the secret. Comparisons take constant time. Immutable and thread-safe.
 */
public final class SharedSecret {
    private static final String HMAC = "HmacSHA256";

    private final byte[] secret;

    public SharedSecret(String secret) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Verifies a hello's credentials.
     *
     * @param user         null for the plain secret, else {@code name:expiry}
     * @param auth         the secret, or the Base64 HMAC of {@code user}
     * @param nowEpochSecs the current time in Unix seconds
     * @return null when accepted, else why not (for the error message)
     */
    public String check(String user, String auth, long nowEpochSecs) {
        if (auth == null) {
            return "hello must carry 'auth'";
        }
        if (user == null) {
            return ConstantTime.equal(secret, auth.getBytes(StandardCharsets.UTF_8)) ? null : "wrong secret";
        }
        int colon = user.lastIndexOf(':');
        long expiry;
        try {
            expiry = Long.parseLong(user.substring(colon + 1));
        } catch (NumberFormatException e) {
            return "'user' must be name:expiry with expiry in Unix seconds";
        }
        if (colon < 0 || expiry < nowEpochSecs) {
            return colon < 0 ? "'user' must be name:expiry with expiry in Unix seconds" : "credential expired";
        }
        return ConstantTime.equal(sign(user), auth)
                ? null : "wrong credential";
    }

    /** The Base64 HMAC-SHA256 of {@code user}: what an application server hands a client as {@code auth}. */
    public String sign(String user) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(secret, HMAC));
            return Base64.getEncoder().encodeToString(mac.doFinal(user.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

}
