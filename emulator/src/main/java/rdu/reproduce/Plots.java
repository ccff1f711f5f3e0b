package rdu.reproduce;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** Draws the report's plots as PNG files with JFreeChart, without a display. */
final class Plots {

    static {
        // the report runs on build machines and in tests: AWT must not look for a display
        System.setProperty("java.awt.headless", "true");
    }

    private Plots() {
    }

    static void write(Plot plot, Path dir) throws IOException {
        var data = new XYSeriesCollection();
        for (Plot.Line line : plot.lines()) {
            var series = new XYSeries(line.name());
            for (int i = 0; i < line.x().length; i++) {
                series.add(line.x()[i], line.y()[i]);
            }
            data.addSeries(series);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(plot.title(), plot.xLabel(), plot.yLabel(), data,
                PlotOrientation.VERTICAL, true, false, false);
        XYPlot xy = chart.getXYPlot();
        xy.setBackgroundPaint(Color.WHITE);
        xy.setDomainGridlinePaint(Color.LIGHT_GRAY);
        xy.setRangeGridlinePaint(Color.LIGHT_GRAY);
        xy.setRenderer(new XYLineAndShapeRenderer(true, true));
        // speedups sit just above 1: an axis from 0 would flatten every curve
        ((NumberAxis) xy.getRangeAxis()).setAutoRangeIncludesZero(false);
        ChartUtils.saveChartAsPNG(dir.resolve(plot.file()).toFile(), chart, 900, 560);
    }
}
