/* rd_json: write / read round trip, aliases, strictness. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include "harness.h"
#include "rd_json.h"

#include <math.h>

static hvic_status rd(const char *s, rd_json_curve *c)
{
    return rd_json_read(s, strlen(s), c);
}

static void test_round_trip(void)
{
    double bpp[3] = {0.1, 0.25, 1.0 / 3}, psnr[3] = {27, 30.5, 33}, ms[3] = {0.9, NAN, 0.99};
    rd_series s[] = {{"bpp", bpp, 3}, {"psnr-rgb", psnr, 3}, {"ms-ssim", ms, 3}};
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    CHECK(f != NULL);
    if (!f) return;
    CHECK(rd_json_write(f, "x\"y", "d", s, 3) == 0);
    fclose(f);
    rd_json_curve c;
    CHECK_ST(rd_json_read(text, len, &c), HVIC_OK);
    CHECK(c.n == 3 && c.has_psnr && c.has_ms_ssim);
    CHECK(strcmp(c.name, "x\\\"y") == 0); /* raw (escaped) text is kept */
    CHECK(c.n == 3 && c.bpp[2] == 1.0 / 3 && c.psnr[1] == 30.5 && isnan(c.ms_ssim[1]));
    rd_json_free(&c);
    free(text);
}

static void test_aliases_and_skipping(void)
{
    rd_json_curve c;
    CHECK_ST(rd("{\"x\": [1, {\"a\": [true, false, null]}, \"s\\u00e9\"], \"name\": \"n\","
                " \"results\": {\"psnr\": [1, 2], \"bpp\": [0.5, 1e0],"
                " \"ms-ssim-rgb\": [0.5, 0.6], \"encoding_time\": [1, 2, 3]}}", &c),
             HVIC_OK);
    CHECK(c.n == 2 && c.has_psnr && c.has_ms_ssim && c.bpp[1] == 1.0 && c.psnr[1] == 2 &&
          c.ms_ssim[0] == 0.5 && strcmp(c.name, "n") == 0);
    rd_json_free(&c);
    CHECK_ST(rd(" {\"results\": {\"bpp\": [1, 2]}} \n", &c), HVIC_OK);
    CHECK(c.n == 2 && !c.has_psnr && !c.has_ms_ssim);
    rd_json_free(&c);
}

static void test_strict(void)
{
    static const char *const bad[] = {
        "",
        "[]",
        "{\"results\": {}}",                                  /* no bpp */
        "{\"results\": {\"bpp\": []}}",                       /* empty */
        "{\"results\": {\"bpp\": [1, 2], \"psnr-rgb\": [1]}}", /* length mismatch */
        "{\"results\": {\"bpp\": [1, \"2\"]}}",               /* not a number */
        "{\"results\": {\"bpp\": [1, 2,]}}",                  /* trailing comma */
        "{\"results\": {\"bpp\": [01]}}",                     /* leading zero */
        "{\"results\": {\"bpp\": [1]}} x",                    /* trailing garbage */
        "{\"results\": {\"bpp\": [1]}",                       /* unterminated */
        "{'results': {}}",
        "{\"a\": tru, \"results\": {\"bpp\": [1]}}",
        "{\"a\": \"\\x\", \"results\": {\"bpp\": [1]}}",      /* bad escape */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rd_json_curve c;
        hvic_status st = rd(bad[i], &c);
        if (st != HVIC_ERR_FORMAT) fprintf(stderr, "accepted: %s\n", bad[i]);
        CHECK(st == HVIC_ERR_FORMAT);
        CHECK(c.bpp == NULL);
    }
    /* Deep nesting is refused, not a stack overflow. */
    char deep[400];
    size_t k = 0;
    k += (size_t)sprintf(deep, "{\"a\": ");
    for (int i = 0; i < 100; i++) deep[k++] = '[';
    deep[k] = 0;
    rd_json_curve c;
    CHECK_ST(rd(deep, &c), HVIC_ERR_FORMAT);
}

int main(void)
{
    RUN(test_round_trip);
    RUN(test_aliases_and_skipping);
    RUN(test_strict);
    return test_summary("test_rd_json");
}
