"""No-op Cinder volume driver for test clouds: volumes, snapshots and attachments are
database rows only, with no storage behind them. The scheduler sees one pool of unlimited
capacity; images "copied" into a volume are not read. Control plane / API testing only."""
from cinder.volume import driver


class FakeVolumeDriver(driver.VolumeDriver):
    VERSION = '0.1'
    CI_WIKI_NAME = 'none'

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._stats = {}

    def do_setup(self, context):
        pass

    def check_for_setup_error(self):
        pass

    def _update_volume_stats(self):
        name = self.configuration.safe_get('volume_backend_name') or 'fake'
        self._stats = {
            'volume_backend_name': name, 'vendor_name': 'capo', 'driver_version': self.VERSION,
            'storage_protocol': 'fake', 'total_capacity_gb': 'infinite',
            'free_capacity_gb': 'infinite', 'reserved_percentage': 0,
            'thin_provisioning_support': True, 'multiattach': True,
        }

    def get_volume_stats(self, refresh=False):
        if refresh or not self._stats:
            self._update_volume_stats()
        return self._stats

    def create_volume(self, volume):
        return None

    def create_volume_from_snapshot(self, volume, snapshot):
        return None

    def create_cloned_volume(self, volume, src_vref):
        return None

    def delete_volume(self, volume):
        pass

    def create_snapshot(self, snapshot):
        return None

    def delete_snapshot(self, snapshot):
        pass

    def extend_volume(self, volume, new_size):
        pass

    def clone_image(self, context, volume, image_location, image_meta, image_service):
        # "Cloned": the volume is ready without reading the image.
        return None, True

    def copy_image_to_volume(self, context, volume, image_service, image_id):
        pass

    def copy_volume_to_image(self, context, volume, image_service, image_meta):
        pass

    def create_export(self, context, volume, connector):
        return None

    def ensure_export(self, context, volume):
        return None

    def remove_export(self, context, volume):
        pass

    def initialize_connection(self, volume, connector):
        return {'driver_volume_type': 'fake', 'data': {'volume_id': volume.id}}

    def terminate_connection(self, volume, connector, **kwargs):
        pass

    def attach_volume(self, context, volume, instance_uuid, host_name, mountpoint):
        pass

    def detach_volume(self, context, volume, attachment=None):
        pass
