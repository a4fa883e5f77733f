[COURSE HEADER]
VERSION = 2
UNITS = METRIC
DESCRIPTION = Sweet spot with a ramp warm-up
FILE NAME = sweetspot.mrc
FTP = 250
MINUTES PERCENT
[END COURSE HEADER]
[COURSE DATA]
0.00	50
10.00	75
10.00	90
20.00	90
20.00	55
25.00	55
[END COURSE DATA]
[COURSE TEXT]
0	Easy spin to start	10
600	Sweet spot: settle in	15
900	Halfway there	5
1320	Spin it out	10
2000	After the end	5
[END COURSE TEXT]
