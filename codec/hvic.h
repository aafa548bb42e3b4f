/* hvic — learned lossy image codec: public C API.
 *
 * Everything in this header is stable API. Functions return an hvic_status;
 * HVIC_OK is 0 and every error is negative. hvic_strerror() gives a one-line
 * English description of any status.
 */
#ifndef HVIC_H
#define HVIC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Status codes returned by every hvic function (0 = success, < 0 = error). */
typedef enum hvic_status {
    HVIC_OK = 0,
    HVIC_ERR_NOMEM = -1,          /**< memory allocation failed */
    HVIC_ERR_IO = -2,             /**< file could not be opened, read or written */
    HVIC_ERR_ARG = -3,            /**< invalid argument from the caller */
    HVIC_ERR_FORMAT = -4,         /**< input is not in a recognised format */
    HVIC_ERR_UNSUPPORTED = -5,    /**< recognised but unsupported (e.g. CMYK JPEG, alpha PNG) */
    HVIC_ERR_TOO_LARGE = -6,      /**< dimensions or sizes exceed hvic's limits */
    HVIC_ERR_TRUNCATED = -7,      /**< data ends before its declared size */
    HVIC_ERR_CORRUPT = -8,        /**< data is internally inconsistent */
    HVIC_ERR_BAD_MAGIC = -9,      /**< container magic bytes do not match */
    HVIC_ERR_BAD_VERSION = -10,   /**< container/model version not supported */
    HVIC_ERR_CRC = -11,           /**< CRC-32 check failed */
    HVIC_ERR_MODEL = -12,         /**< model file damaged or not a model file */
    HVIC_ERR_MODEL_MISMATCH = -13,/**< file was encoded with a different model */
    HVIC_ERR_ENTROPY = -14,       /**< entropy-coded stream is malformed */
} hvic_status;

/** One-line, static, English description of a status code (never NULL). */
const char *hvic_strerror(hvic_status status);

#ifdef __cplusplus
}
#endif
#endif /* HVIC_H */
