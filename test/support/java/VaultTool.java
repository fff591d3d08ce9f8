// Test helper run with the JDK source launcher (`java VaultTool.java ...`): makes and reads JCEKS secret-key vaults.
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.security.Key;
import java.security.KeyStore;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.PBEParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Usage:
 *   create &lt;file&gt; &lt;storepass&gt; &lt;keypass&gt; &lt;alias&gt; &lt;AES|DESede&gt; &lt;hexkey&gt; [&lt;keypass&gt; &lt;alias&gt; &lt;alg&gt; &lt;hexkey&gt;]...
 *       adds secret-key entries holding exactly these bytes (a SecretKeySpec) to a JCEKS store,
 *       loading the store first if the file exists. The iteration count of the key protection
 *       follows the JDK property jdk.jceks.iterationCount (see forceIterationCount for values
 *       below the JDK's minimum, such as the 20 that old JDKs wrote).
 *   print &lt;file&gt; &lt;storepass&gt; &lt;keypass&gt; &lt;alias&gt; [&lt;alias&gt;...]
 *       prints each key as lowercase hex, one line per alias.
 *   describe &lt;file&gt; &lt;storepass&gt; &lt;keypass&gt; &lt;alias&gt; [&lt;alias&gt;...]
 *       prints "alias algorithm class hex", tab-separated, one line per alias.
 *   pbe-encrypt &lt;password&gt; &lt;salthex&gt; &lt;iterations&gt; &lt;plainhex&gt;
 *       prints PBEWithMD5AndTripleDES(password, salt, iterations) of the plaintext as hex.
 */
public class VaultTool {
    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage();
        }
        switch (args[0]) {
            case "create" -> create(args);
            case "print" -> read(args, false);
            case "describe" -> read(args, true);
            case "pbe-encrypt" -> pbeEncrypt(args);
            default -> usage();
        }
    }

    private static void usage() {
        System.err.println("usage: VaultTool create|print|describe|pbe-encrypt ... (see the source)");
        System.exit(2);
    }

    private static KeyStore load(String file, char[] storepass) throws Exception {
        KeyStore ks = KeyStore.getInstance("JCEKS");
        if (new File(file).exists()) {
            try (InputStream in = new FileInputStream(file)) {
                ks.load(in, storepass);
            }
        } else {
            ks.load(null, storepass);
        }
        return ks;
    }

    private static void create(String[] args) throws Exception {
        if (args.length < 7 || (args.length - 3) % 4 != 0) {
            usage();
        }
        forceIterationCount();
        char[] storepass = args[2].toCharArray();
        KeyStore ks = load(args[1], storepass);
        for (int i = 3; i < args.length; i += 4) {
            char[] keypass = args[i].toCharArray();
            SecretKey key = new SecretKeySpec(HexFormat.of().parseHex(args[i + 3]), args[i + 2]);
            ks.setEntry(args[i + 1], new KeyStore.SecretKeyEntry(key), new KeyStore.PasswordProtection(keypass));
        }
        try (OutputStream out = new FileOutputStream(args[1])) {
            ks.store(out, storepass);
        }
    }

    /**
     * JDK 17 reads jdk.jceks.iterationCount into KeyProtector.ITERATION_COUNT but silently replaces
     * values outside [10000, 5000000] with 200000. To make vaults like the ones old JDKs wrote
     * (20 iterations), write a smaller value straight into that static field with sun.misc.Unsafe.
     */
    private static void forceIterationCount() throws Exception {
        String wanted = System.getProperty("jdk.jceks.iterationCount");
        if (wanted == null) {
            return;
        }
        int count = Integer.parseInt(wanted);
        if (count >= 10000 && count <= 5000000) {
            return; // the JDK honours it by itself
        }
        if (count <= 0) {
            throw new IllegalArgumentException("jdk.jceks.iterationCount must be positive");
        }
        Class<?> protector = Class.forName("com.sun.crypto.provider.KeyProtector", true, null);
        Field field = protector.getDeclaredField("ITERATION_COUNT");
        Field theUnsafe = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
        theUnsafe.setAccessible(true);
        sun.misc.Unsafe unsafe = (sun.misc.Unsafe) theUnsafe.get(null);
        unsafe.putInt(unsafe.staticFieldBase(field), unsafe.staticFieldOffset(field), count);
    }

    private static void read(String[] args, boolean describe) throws Exception {
        if (args.length < 5) {
            usage();
        }
        KeyStore ks = load(args[1], args[2].toCharArray());
        for (int i = 4; i < args.length; i++) {
            Key key = ks.getKey(args[i], args[3].toCharArray());
            if (key == null) {
                throw new IllegalArgumentException("no key entry " + args[i]);
            }
            String hex = HexFormat.of().formatHex(key.getEncoded());
            if (describe) {
                System.out.println(args[i] + "\t" + key.getAlgorithm() + "\t" + key.getClass().getName() + "\t" + hex);
            } else {
                System.out.println(hex);
            }
        }
    }

    private static void pbeEncrypt(String[] args) throws Exception {
        if (args.length != 5) {
            usage();
        }
        SecretKey pbeKey = SecretKeyFactory.getInstance("PBEWithMD5AndTripleDES")
                .generateSecret(new PBEKeySpec(args[1].toCharArray()));
        Cipher cipher = Cipher.getInstance("PBEWithMD5AndTripleDES");
        PBEParameterSpec params = new PBEParameterSpec(HexFormat.of().parseHex(args[2]), Integer.parseInt(args[3]));
        cipher.init(Cipher.ENCRYPT_MODE, pbeKey, params);
        System.out.println(HexFormat.of().formatHex(cipher.doFinal(HexFormat.of().parseHex(args[4]))));
    }
}
