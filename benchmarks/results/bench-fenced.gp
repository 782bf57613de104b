set terminal pngcairo size 1000,1000 font 'sans,9'
set output 'docs/img/bench-fenced.png'
set datafile separator ','
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set key outside right top
set grid ytics
set xtics rotate by -25
set multiplot layout 3,1
set logscale y
set yrange [*:*]
set title "Read-after-write: read p50 (2026-12-05 01:00 UTC)"
set ylabel "read p50 (us, log)"
plot 'benchmarks/results/fenced-p50.csv' every ::1 using 2:xtic(1) title 'primary-hikari', '' every ::1 using 3 title 'junction-primary()', '' every ::1 using 4 title 'junction-scope-fenced', '' every ::1 using 5 title 'junction-scope-fenced-nowait'
set logscale y
set yrange [*:*]
set title "Read-after-write: read p99"
set ylabel "read p99 (us, log)"
plot 'benchmarks/results/fenced-p99.csv' every ::1 using 2:xtic(1) title 'primary-hikari', '' every ::1 using 3 title 'junction-primary()', '' every ::1 using 4 title 'junction-scope-fenced', '' every ::1 using 5 title 'junction-scope-fenced-nowait'
unset logscale y
set yrange [0:*]
set title "Fenced reads: where they ran (scope: max-fence-wait 50 ms; nowait: 0)"
set ylabel "% of fenced reads"
plot 'benchmarks/results/fenced-share.csv' every ::1 using 2:xtic(1) title 'scope: on a replica', '' every ::1 using 3 title 'scope: primary fallback', '' every ::1 using 4 title 'scope nowait: on a replica', '' every ::1 using 5 title 'scope nowait: primary fallback'
unset multiplot
