"""Print the quickstart's results: the per-class IoU table and where everything went."""
import argparse
import glob
import os.path as osp
import re
from typing import List, Tuple


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--work-dir', required=True, help='the training work dir')
    parser.add_argument('--test-log', required=True, help='stdout of tools/test.py')
    return parser.parse_args()


def per_class_table(log_text: str) -> str:
    """The last 'per class results' table mmseg's IoUMetric printed."""
    # mmengine logs the table as its own record, so a bare log prefix line may sit between.
    tables = re.findall(r'per class results:\s*\n(?:[^|+\n]*-\s*\n)?((?:.*\|.*\n|.*\+[-+]+\+\n)+)',
                        log_text)
    if not tables:
        raise RuntimeError('No per-class table in the test log; see the log for errors.')
    lines = tables[-1].splitlines()
    # Drop the log prefix some handlers put before the table rows.
    return '\n'.join(line[line.find('+') if line.lstrip().startswith('+') else
                          line.find('|'):] for line in lines)


def drop_absent_classes(table: str) -> Tuple[str, List[str]]:
    """The table without the rows of classes absent from the split, and their names.

    mmseg prints ``nan`` as the IoU of a class that is neither in the labels nor predicted
    (the synthetic data draws 8 of VOC's 21 classes); those rows carry no result.
    """
    lines = table.splitlines()
    header = next((i for i, line in enumerate(lines) if line.startswith('|')), None)
    if header is None:
        return table, []
    columns = [cell.strip() for cell in lines[header].strip('|').split('|')]
    iou = columns.index('IoU') if 'IoU' in columns else 1
    kept, absent = [], []
    for i, line in enumerate(lines):
        cells = [cell.strip() for cell in line.strip('|').split('|')]
        if i > header and line.startswith('|') and len(cells) > iou and cells[iou] == 'nan':
            absent.append(cells[0])
        else:
            kept.append(line)
    return '\n'.join(kept), absent


def summary_line(log_text: str) -> str:
    found = re.findall(r'Iter\(test\) \[\d+/\d+\]\s+(aAcc:.*?)(?:\s+data_time|$)', log_text,
                       flags=re.M)
    return found[-1] if found else 'n/a'


def main():
    args = parse_args()
    with open(args.test_log) as f:
        text = f.read()
    checkpoint = open(osp.join(args.work_dir, 'last_checkpoint')).read().strip()
    pictures = sorted(glob.glob(osp.join(args.work_dir, '**', 'vis_image', '*.png'),
                                recursive=True))
    train_logs = sorted(glob.glob(osp.join(args.work_dir, '2*', '2*.log')))
    table, absent = drop_absent_classes(per_class_table(text))
    print('\n[quickstart] per-class results on the synthetic val split (classes present):')
    print(table)
    if absent:
        print(f'[quickstart] {len(absent)} of the dataset\'s classes are absent from this '
              f'split (IoU nan, not shown): {", ".join(absent)}')
    print(f'[quickstart] overall: {summary_line(text)}')
    print(f'[quickstart] checkpoint:     {checkpoint}')
    print(f'[quickstart] training log:   {train_logs[0] if train_logs else args.work_dir}')
    print(f'[quickstart] test log:       {args.test_log}')
    if pictures:
        print(f'[quickstart] result picture: {pictures[0]} '
              f'({len(pictures)} in {osp.dirname(pictures[0])})')


if __name__ == '__main__':
    main()
