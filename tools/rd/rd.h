/* `hvic rd` and `hvic bdrate`: rate-distortion sweeps and BD-rate.
 * Entry points called from tools/hvic.c's command table; argv holds the
 * arguments after the command name. Exit status: 0 success, 1 runtime
 * error, 2 usage error. */
#ifndef HVIC_RD_H
#define HVIC_RD_H

/** hvic rd DIR|FILES... [--betas B1,B2,...] [--jobs N]
 *          [--jpeg-qualities Q1,Q2,...] [--out PREFIX] [--model FILE]
 *          [--beta-grid]
 *  hvic rd --bd A.json B.json   (same as hvic bdrate)
 *  Encodes and decodes every PNG/JPEG image (of a directory: sorted, not
 *  recursive) with hvic at each beta (default: the model's levels; beta_y =
 *  beta_z) and with the JPEG baseline (4:2:0 and 4:4:4) at each quality
 *  (default 5..95); writes PREFIX-images.csv (one row per image and
 *  setting: bytes, YLAT/ZLAT bytes, bpp, R_y/R_z in bpp, PSNR, MS-SSIM,
 *  encode and decode seconds), PREFIX-hvic.json, PREFIX-jpeg420.json,
 *  PREFIX-jpeg444.json (CompressAI format, means over images) and, with
 *  --beta-grid (beta_y x beta_z over the --betas list, default the model's
 *  levels) PREFIX-betagrid.csv; prints a summary and the BD-rate of hvic
 *  against jpeg420 on PSNR and MS-SSIM (dB).
 *  The model is --model FILE, else the default model
 *  (hvic_model_load_default); without either only the JPEG baseline runs.
 *  --jobs N codes N image/setting pairs at once, sharing one model; with
 *  N = 1 each encode and decode uses one thread per CPU, with N > 1 one
 *  thread. Times are wall
 *  clock of hvic_encode / hvic_decode alone. */
int hvic_cmd_rd(int argc, char **argv);

/** hvic bdrate A.json B.json: BD-rate of B against anchor A (percent, on
 *  PSNR and on MS-SSIM in dB) and BD-PSNR (dB), from CompressAI-format
 *  files. */
int hvic_cmd_bdrate(int argc, char **argv);

#endif /* HVIC_RD_H */
