package rdu.activation;

/** The error function, which java.lang.Math lacks, to double precision: exact GELU needs it. */
public final class Erf {

    private Erf() {
    }

    /**
     * erf(x) = 2 / sqrt(pi) * integral of exp(-t^2) from 0 to x. Its Maclaurin series below |x| = 2 (beyond, the
     * alternating terms grow and cancel away digits), the continued fraction of erfc from 2 to 6, and +-1 beyond
     * (erfc(6) is 2e-17).
     */
    public static double erf(double x) {
        double a = Math.abs(x);
        double result;
        if (a < 2) {
            // x * sum of (-x^2)^n / (n! (2n + 1))
            double term = a;
            double sum = a;
            for (int n = 1; Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
                term *= -a * a / n;
                sum += term / (2 * n + 1);
            }
            result = 2 / Math.sqrt(Math.PI) * sum;
        } else if (a < 6) {
            // erfc(a) = exp(-a^2) / sqrt(pi) / (a + (1/2) / (a + 1 / (a + (3/2) / (a + 2 / (a + ...))))), from the tail
            double fraction = a;
            for (int k = 60; k >= 1; k--) {
                fraction = a + k / 2.0 / fraction;
            }
            result = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / fraction;
        } else {
            result = 1;
        }
        return Math.copySign(result, x);
    }
}
