"""Agentless ML2 mechanism driver for test clouds: binds every port on every
segment (vxlan/flat/vlan/...) with vif_type 'ovs' and status ACTIVE, with no
L2 agent and no data plane. Control plane / API testing only.
It also plays the part of the (absent) L3 agent for floating IPs: a FIP
becomes ACTIVE when associated to a port and DOWN when disassociated."""
from neutron_lib.callbacks import events, registry, resources
from neutron_lib import constants
from neutron_lib.plugins import constants as plugin_constants
from neutron_lib.plugins import directory
from neutron_lib.plugins.ml2 import api


def _fip_status(resource, event, trigger, payload):
    fip = payload.latest_state
    want = (constants.FLOATINGIP_STATUS_ACTIVE if fip.get('port_id')
            else constants.FLOATINGIP_STATUS_DOWN)
    if fip.get('status') != want:
        l3 = directory.get_plugin(plugin_constants.L3)
        if l3 is not None:
            l3.update_floatingip_status(payload.context.elevated(),
                                        fip['id'], want)


class FakeBindMechanismDriver(api.MechanismDriver):
    def initialize(self):
        registry.subscribe(_fip_status, resources.FLOATING_IP, events.AFTER_CREATE)
        registry.subscribe(_fip_status, resources.FLOATING_IP, events.AFTER_UPDATE)

    def bind_port(self, context):
        for segment in context.segments_to_bind:
            context.set_binding(
                segment[api.ID], 'ovs',
                {'port_filter': True, 'ovs_hybrid_plug': False,
                 'bridge_name': 'br-int', 'datapath_type': 'system'},
                status=constants.PORT_STATUS_ACTIVE)
            return

    @property
    def connectivity(self):
        return 'l2'
