/* hvic_strerror(), hvic_version(), hvic_free(). */
#include "hvic.h"

#include <stdlib.h>

#define HV_STR_(x) #x
#define HV_STR(x) HV_STR_(x)

const char *hvic_strerror(hvic_status status)
{
    switch (status) {
    case HVIC_OK:                 return "success";
    case HVIC_ERR_NOMEM:          return "out of memory";
    case HVIC_ERR_IO:             return "input/output error";
    case HVIC_ERR_ARG:            return "invalid argument";
    case HVIC_ERR_FORMAT:         return "not a recognised file format";
    case HVIC_ERR_UNSUPPORTED:    return "unsupported feature";
    case HVIC_ERR_TOO_LARGE:      return "image or data too large";
    case HVIC_ERR_TRUNCATED:      return "data is truncated";
    case HVIC_ERR_CORRUPT:        return "data is corrupt";
    case HVIC_ERR_BAD_MAGIC:      return "not an hvic file (bad magic bytes)";
    case HVIC_ERR_BAD_VERSION:    return "unsupported version";
    case HVIC_ERR_CRC:            return "checksum mismatch (file damaged)";
    case HVIC_ERR_MODEL:          return "model file is damaged or not a model";
    case HVIC_ERR_MODEL_MISMATCH: return "file was encoded with a different model";
    case HVIC_ERR_ENTROPY:        return "entropy-coded stream is malformed";
    }
    return "unknown hvic status";
}

const char *hvic_version(void)
{
    return HV_STR(HVIC_VERSION_MAJOR) "." HV_STR(HVIC_VERSION_MINOR) "." HV_STR(HVIC_VERSION_PATCH);
}

unsigned hvic_version_number(void)
{
    return HVIC_VERSION_NUMBER;
}

void hvic_free(void *p)
{
    free(p);
}
