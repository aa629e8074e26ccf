#ifndef FRAMESCOPE_CPCAP_SHIM_H
#define FRAMESCOPE_CPCAP_SHIM_H
// The one header Swift sees for libpcap. Keep it small: the Capture module wraps everything.
#include <pcap/pcap.h>
#endif
