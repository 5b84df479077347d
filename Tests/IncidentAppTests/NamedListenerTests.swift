@testable import IncidentApp
import Foundation
import NIOCore
import Testing

/// A listener that cannot listen says why in the operator's words: the hint fits the cause.
@Suite struct NamedListenerTests {
    @Test func theReasonFitsTheCause() {
        #expect(ListenFailure.reason(IOError(errnoCode: EADDRNOTAVAIL, reason: "bind"))
            == "the address is not one of this machine's: cannot assign requested address")
        #expect(ListenFailure.reason(SocketAddressError.unknown(host: "nosuchhost.invalid", port: 9091))
            == "the host name nosuchhost.invalid does not resolve")
        #expect(ListenFailure.reason(IOError(errnoCode: EACCES, reason: "bind"))
            == "not allowed to listen there (a port below 1024 needs privileges): permission denied")
    }
}
