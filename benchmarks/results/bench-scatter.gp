set terminal pngcairo size 900,420 font 'sans,9'
set output 'docs/img/bench-scatter.png'
set datafile separator ','
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set key outside right top
set grid ytics
set xtics rotate by -25
unset logscale y
set yrange [0:*]
set title "Sharded statements: p50 latency relative to 1 shard (2026-11-23 12:35 UTC)"
set ylabel "p50 ÷ 1-shard p50"
plot 'benchmarks/results/scatter-p50-ratio.csv' every ::1 using 2:xtic(1) title 'raw HikariCP (1 server)', '' every ::1 using 3 title '1 shard', '' every ::1 using 4 title '2 shards', '' every ::1 using 5 title '4 shards', 1.0 with lines lw 2 lc rgb 'black' dt 2 title 'baseline'
