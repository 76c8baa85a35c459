"""Write the synthetic PASCAL-VOC-layout dataset used by the quickstart and the tests."""
import argparse

from seglab.datasets.synthetic_voc import generate_synthetic_voc


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--out', default='data/synthetic_voc',
                        help='directory that receives VOCdevkit/VOC2012')
    parser.add_argument('--num-train', type=int, default=160)
    parser.add_argument('--num-val', type=int, default=40)
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def main():
    args = parse_args()
    root = generate_synthetic_voc(args.out, args.num_train, args.num_val, args.seed)
    print(f'Synthetic VOC written to {root} '
          f'({args.num_train} train / {args.num_val} val, seed {args.seed})')


if __name__ == '__main__':
    main()
