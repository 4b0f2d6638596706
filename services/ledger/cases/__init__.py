"""Identification cases (监测对象识别认定) and risk elimination: the procedure, its clocks, steps and notices."""
