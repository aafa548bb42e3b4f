/* hvic model (spec/model-format.md): in-memory form of a verified .hvicm file.
 *
 * Internal header. The public API (hvic_model_load, getters) is in hvic.h;
 * struct hvic_model is defined here for the codec's own modules. A loaded
 * model is read-only, so one model may be shared by several threads; only
 * its kernels' weight layouts are filled in on first use, under a lock
 * (hv_model_prepare). */
#ifndef HVIC_MODEL_H
#define HVIC_MODEL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "hvic_advanced.h"
#include "cdf.h"

/* Largest payload a version-1 reader accepts (spec §1). */
#define HVIC_MODEL_MAX_PAYLOAD (256u << 20)
#define HVIC_MODEL_VERSION 2u /* newest version read; 1 has no channel context */
#define HV_CTX_MAX_SLICES 16    /* most channel slices of y (spec §3.6) */
#define HVIC_EXP2_TABLE_SIZE 1024
#define HVIC_RECON_K_MAX 16 /* largest last dimension of y.recon (spec §3.5) */

/* Bounds the loader enforces on the log2 gains (Q16) so that every value
 * of the integer hyper path stays inside int64 (see model.c, check_bounds). */
#define HVIC_LOG2_GAIN_MIN (-8 * 65536)
#define HVIC_LOG2_GAIN_MAX (16 * 65536)

/** Kernels of the deterministic encoder convolution (analysis/conv_det.c);
 *  all give the same bits. */
enum { HV_DET_GENERIC, HV_DET_AVX2, HV_DET_AVX512 };

/** Kernels of the decoder's g_s (synthesis/): fp32 Winograd, or bf16 on AMX
 *  tiles or AVX512-BF16 vectors (gs_bf16.h); pixels may differ by 1. */
enum { HV_GS_FLOAT, HV_GS_AMX, HV_GS_AVX512BF16 };

/** Kernels of the integer h_s and context layers (hyper/); all exact. */
enum { HV_HS_DGEMM, HV_HS_AVX2, HV_HS_VNNI };

/** The kernels' weight layouts, made from the file's weights on first use
 *  (hv_model_prepare), each at most once: bits of hvic_model.prepared. */
enum {
    HV_PREP_ANALYSIS = 1, /* g_a, h_a packed for conv_det.c (the encoder) */
    HV_PREP_HS_DGEMM = 2, /* h_s and context layers as doubles (HV_HS_DGEMM) */
    HV_PREP_HS_PAIRS = 4, /* ... as int16 pairs (HV_HS_AVX2, HV_HS_VNNI) */
    HV_PREP_GS_FLOAT = 8, /* g_s Winograd weights (HV_GS_FLOAT) */
    HV_PREP_GS_BF16 = 16, /* g_s in bf16 (HV_GS_AMX, HV_GS_AVX512BF16) */
    HV_PREP_ALL = 31
};

/** The kernels a model runs on (model/kernels.c, hvic_model_set_kernels). */
typedef struct hv_kernels {
    int det;      /* HV_DET_*: g_a, h_a */
    int gs;       /* HV_GS_*: g_s (bf16 ones need gs_bf16) */
    int hs;       /* HV_HS_*: h_s and the context networks */
} hv_kernels;

/* Register-tile height of the deterministic float convolution (analysis/conv_det.c): packed
 * weights are laid out [ceil(cout / HV_MR)][K][HV_MR]. */
#define HV_MR 8

/** A float convolution (weights [cout][cin][k][k], zero padding k/2). */
typedef struct hv_conv {
    int cout, cin, k, stride;
    const float *w;      /* [cout][cin*k*k] row-major, as in the file; NULL until
                            made from w16 (hv_model_prepare) */
    const uint8_t *w16;  /* NULL, or the same as little-endian f16 in the model's payload */
    const float *b;      /* [cout] */
    const float *wpack;  /* NULL, or packed for the deterministic kernel (conv_det.c) */
    const float *wwino;  /* NULL, or [36][cout][cin] Winograd weights (synthesis/conv_wino.c) */
} hv_conv;

/** GDN/IGDN parameters: norm_i = beta_i + sum_j gamma_ij x_j^2. */
typedef struct hv_gdn {
    int c;
    hv_conv conv;        /* 1x1 convolution: w = gamma, b = beta */
} hv_gdn;

/** One integer layer of h_s (spec §3.3). */
typedef struct hv_iconv {
    int cout, cin;
    const int16_t *w;    /* [cout][cin][3][3] */
    const double *wtap;  /* [9][cout][cin], the weights as doubles (exact) */
    const int32_t *wvnni; /* hv_vnni_pack_weights layout; NULL if cout % 8 */
    const int32_t *bias, *mult;
    int shift;
} hv_iconv;

/** Context network of one channel slice (spec §3.6): input scale and three
 *  integer 3x3 layers, cin -> hidden -> hidden -> 2 x slice channels. */
typedef struct hv_ctx_net {
    int32_t in_log2;     /* Q16 */
    hv_iconv l[3];       /* ctx.s.0, .2, .4 */
} hv_ctx_net;

struct hvic_model {
    int N, M, L, S;
    char id[HVIC_MODEL_ID_MAX + 1];
    uint32_t digest;                 /* CRC-32 of the whole file */
    const float *betas;              /* [L], decreasing */
    const int32_t *gain_y_log2;      /* [L][M], Q16 */
    const int32_t *gain_z_log2;      /* [L][N], Q16 */
    const int32_t *exp2_table;       /* [1024], Q30 */
    int32_t log2_min, log2_step;     /* scales, Q16 */
    const float *sigma;              /* [S] */
    const int32_t *z_offset, *z_size;/* [N] */
    const int32_t *z_freq;           /* [sum z_size] */

    hv_conv g_a[4];                  /* g_a.0, .2, .4, .6 */
    hv_gdn g_a_gdn[3];               /* g_a.1, .3, .5 */
    hv_conv h_a[3];                  /* h_a.0, .2, .4 */
    hv_conv g_s[4];                  /* g_s.0, .2, .4, .6 */
    hv_gdn g_s_igdn[3];              /* g_s.1, .3, .5 */
    const struct hv_gs_bf16 *gs_bf16; /* NULL, or g_s re-laid-out for bf16 (gs_bf16.h) */
    hv_kernels kernels;

    int32_t hs_in_log2, hs_act_max;
    hv_iconv h_s[3];                 /* h_s.0, .2, .4 */
    hv_iconv hs_slice[HV_CTX_MAX_SLICES]; /* h_s.4's outputs of slice s: the means of its
                                        channels, then their log-scales (hv_hyper_prepare) */

    int version;                     /* of the file: 1 or 2 */
    int ctx_slices;                  /* G, channel slices of y coded in turn (1: no context) */
    int ctx_c0[HV_CTX_MAX_SLICES + 1]; /* first channel of each slice; ctx_c0[G] = M */
    hv_ctx_net ctx[HV_CTX_MAX_SLICES]; /* ctx[s] for slices s = 1 .. G-1 */

    const int16_t *recon;            /* NULL, or y.recon [L][S][recon_k], Q8 (spec §3.5) */
    int recon_k;

    hv_cdf_table y_cdfs;           /* S Gaussian CDFs, index = scale index */
    hv_cdf *z_cdfs;                /* N CDFs of the z channels */

    uint8_t *payload;                /* the file's tensors (w16 points into it) */
    void **blocks;                   /* every allocation, freed together */
    size_t nblocks, cap_blocks;
    /* The prepared layouts are a cache of a model that is otherwise
     * read-only: filled under prep_lock, published through prepared. */
    pthread_mutex_t prep_lock;
    atomic_uint prepared;            /* HV_PREP_* bits done */
};

/** Parse and verify a model held in memory (the whole file's bytes).
 *  On success *out is a new model (free with hvic_model_free).
 *  Errors: HVIC_ERR_MODEL (damaged or foreign), HVIC_ERR_BAD_VERSION,
 *  HVIC_ERR_NOMEM, HVIC_ERR_ARG. */
hvic_status hv_model_parse(const uint8_t *data, size_t len, hvic_model **out);

/** Sets m->kernels to the fastest this CPU runs. */
void hv_kernels_choose(hvic_model *m);

/** Makes the layouts `what` (HV_PREP_* bits) if they are not made yet;
 *  thread-safe, and cheap when they are (one atomic load). Each stage's
 *  entry (hv_transform, hv_entropy_params, hv_synthesise) asks for what its
 *  kernel needs (hv_prep_hs, hv_prep_gs). A model copied by value (tests)
 *  must be prepared with HV_PREP_ALL first. Returns HVIC_OK or
 *  HVIC_ERR_NOMEM. */
hvic_status hv_model_prepare(const hvic_model *m, unsigned what);

/** The HV_PREP_* bit that h_s kernel HV_HS_* and g_s kernel HV_GS_* need. */
unsigned hv_prep_hs(int kernel);
unsigned hv_prep_gs(int kernel);

/** IEEE binary16 -> binary32, exact (integer bit manipulation). */
float hv_f16_to_f32(uint16_t h);

#endif
