"""A benchmark report (settings, results, ratios, machine) as Markdown."""


def _fmt(value, digits: int = 2) -> str:
    if value is None:
        return '-'
    if isinstance(value, float):
        return f'{value:.{digits}f}'
    return str(value)


def render_markdown(report: dict) -> str:
    """The report as Markdown: settings, the table, ratios, machine."""
    s = report['settings']
    lines = [
        f"## Benchmark: {s['mode']}, batch {s['batch']}, {s['shape'][0]}x{s['shape'][1]}, "
        f"{s['device']}" + (f", amp {s['amp']}" if s.get('amp') else '') +
        (', channels-last' if s.get('channels_last') else '') +
        (', compiled' if s.get('compile') else '') +
        (', conv+BN fused' if s.get('fuse_conv_bn') else ''),
        '',
        f"{s['iters']} timed iterations per config after {s['warmup']} warm-up, configs "
        f"interleaved (A B A B ...) in one process; medians. "
        f"Measured matmul peak ({s['matmul_n']}^3; best of MKL/cuBLAS matmul and oneDNN GEMM, "
        f"median of samples taken between rounds): fp32 "
        f"{_fmt(report['matmul_peak_gflops'], 1)} GFLOP/s"
        + ''.join(f"; {p} {_fmt(report[p + '_matmul_peak_gflops'], 1)} GFLOP/s"
                  for p in ('bf16', 'fp16') if report.get(p + '_matmul_peak_gflops'))
        + ". % of peak: against the peak of the row's precision. FLOPs: mmengine's count "
        "(1 multiply-add = 1); FLOP/s use 2x that"
        + ('; training = 3x forward.' if s['mode'] == 'train' else '.'),
        '',
    ]
    if s['mode'] in ('train', 'infer'):
        lines += [
            '| model | precision | params (M) | fwd GFLOPs/img | s/iter (median) | IQR (s) | '
            'images/s | achieved GFLOP/s | % of matmul peak | peak mem Δ (MiB) |',
            '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
        ]
        for r in report['results']:
            lines.append(
                f"| {r['name']} | {r.get('precision', 'fp32')} | {_fmt(r['params'] / 1e6)} | "
                f"{_fmt(r['flops'] / 1e9)} | "
                f"{_fmt(r['s_per_iter'], 3)} | {_fmt(r['q1'], 3)}-{_fmt(r['q3'], 3)} | "
                f"{_fmt(r['images_per_s'])} | {_fmt(r['achieved_gflops'], 1)} | "
                f"{_fmt(100 * r['peak_fraction'], 1)} | {_fmt(r['peak_mem_mib'], 0)} |")
        if report.get('ratios'):
            lines += ['', '| ratio (images/s) | of medians | median of per-round ratios |',
                      '|---|---:|---:|']
            for ratio in report['ratios']:
                lines.append(f"| {ratio['a']} / {ratio['b']} | {ratio['value']:.3f} | "
                             f"{_fmt(ratio.get('paired_median'), 3)} |")
    else:
        lines += [
            '| config | workers | batch | loader images/s | loader s/batch | step s/iter | '
            'data_time (s) | data_time / (data + step) |',
            '|---|---:|---:|---:|---:|---:|---:|---:|',
        ]
        for r in report['results']:
            lines.append(
                f"| {r['name']} | {r['num_workers']} | {r['batch']} | "
                f"{_fmt(r['images_per_s'])} | {_fmt(r['s_per_batch'], 3)} | "
                f"{_fmt(r.get('step_time'), 3)} | {_fmt(r.get('data_time'), 4)} | "
                f"{_fmt(None if r.get('data_fraction') is None else 100 * r['data_fraction'], 1)}"
                f"{'' if r.get('data_fraction') is None else ' %'} |")
    m = report['machine']
    lines += [
        '',
        f"Machine: {m['cpu_model']}, {m['logical_cpus']} logical CPUs, torch {m['torch']} "
        f"({m['torch_threads']} threads, {m['cpu_capability']}), mmseg {m['mmseg']}"
        + (f", GPU {m['gpu']}" if m.get('gpu') else '') + '.',
        '',
    ]
    return '\n'.join(lines)
