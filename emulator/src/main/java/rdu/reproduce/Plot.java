package rdu.reproduce;

import java.util.List;

/**
 * A line chart of the report: one line per model (or model and batch).
 *
 * @param file   the PNG's file name in the report folder
 */
public record Plot(String file, String title, String xLabel, String yLabel, List<Line> lines) {

    public record Line(String name, double[] x, double[] y) {
    }

    public Plot {
        lines = List.copyOf(lines);
    }
}
