package org.iouring4j.examples;

/**
 * Reads the examples' {@code -Dname=value} settings, failing with the setting's name when a value is out of
 * range, so that a typo in a benchmark command stops the run instead of quietly measuring something else.
 */
final class ExampleProperties {
    private ExampleProperties() {
    }

    static int intProperty(String name, int def, int min, int max) {
        String raw = System.getProperty(name);
        int value;
        try {
            value = raw == null ? def : Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + name + " is not an integer: " + raw, e);
        }
        if (value < min || value > max) {
            throw new IllegalArgumentException("-D" + name + " must be in [" + min + ", " + max + "]: " + value);
        }
        return value;
    }

    static double secondsProperty(String name, double def, double min, double max) {
        String raw = System.getProperty(name);
        double value;
        try {
            value = raw == null ? def : Double.parseDouble(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + name + " is not a number of seconds: " + raw, e);
        }
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException("-D" + name + " must be in [" + min + ", " + max + "] s: " + value);
        }
        return value;
    }

    static String stringProperty(String name, String def) {
        return System.getProperty(name, def);
    }
}
